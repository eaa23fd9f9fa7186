/**
 * Calls with the same key while one is running share its promise (one rebuild, one lease extension, one
 * read per key at a time in a process); the next call after it settles starts a new run.
 */
export class SingleFlight<K, V> {
  private readonly inFlight = new Map<K, Promise<V>>();

  run(key: K, work: () => Promise<V>): Promise<V> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = work().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Waits until nothing is in flight, including runs started meanwhile (a drain). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }
}
