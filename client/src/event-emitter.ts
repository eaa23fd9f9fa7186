import type { EventMap, Listener } from './events';

/** Typed listeners by event type; a throwing listener does not stop the others. */
export class EventEmitter {
  private readonly listeners = new Map<keyof EventMap, Set<(v: never) => void>>();

  /** Returns the function that removes this listener. */
  on<K extends keyof EventMap>(type: K, listener: Listener<K>): () => void {
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener);
    this.listeners.set(type, set);
    return () => this.off(type, listener);
  }

  once<K extends keyof EventMap>(type: K, listener: Listener<K>): () => void {
    const wrapper: Listener<K> & { original?: Listener<K> } = (value) => {
      this.off(type, wrapper);
      listener(value);
    };
    wrapper.original = listener;
    return this.on(type, wrapper);
  }

  /** Removes a listener added with `on` or `once`. */
  off<K extends keyof EventMap>(type: K, listener: Listener<K>): void {
    const set = this.listeners.get(type);
    for (const l of set ?? []) if (l === listener || (l as { original?: unknown }).original === listener) set!.delete(l);
  }

  emit<K extends keyof EventMap>(type: K, value: EventMap[K]): void {
    for (const l of [...(this.listeners.get(type) ?? [])]) {
      try {
        (l as Listener<K>)(value);
      } catch (err) {
        // An app's bug must not break the connection's bookkeeping; it is still visible.
        setTimeout(() => {
          throw err;
        });
      }
    }
  }
}
