import type { SockJsReceiver } from './sockjs-receiver';
import type { SockJsLife, SockJsRelay } from './sockjs-relay';

/**
 * Writes frames to a receiver, merging consecutive `a[...]` frames for a poll (its response carries one frame);
 * returns the frames it could not write because the response ended (they go back to the outbox's front).
 */
export function writeFrames(receiver: SockJsReceiver, frames: readonly string[]): string[] {
  const merged: string[] = [];
  for (const f of frames) {
    const last = merged[merged.length - 1];
    if (receiver.transport === 'xhr' && last?.startsWith('a[') && f.startsWith('a[')) merged[merged.length - 1] = `${last.slice(0, -1)},${f.slice(2)}`;
    else merged.push(f);
  }
  for (let i = 0; i < merged.length; i++) {
    if (!receiver.isOpen) return merged.slice(i);
    receiver.write(merged[i]!);
  }
  return [];
}

/** Everything the session's outbox holds, to a receiver; what it could not carry goes back to the front. */
export async function deliverOutbox(relay: SockJsRelay, life: SockJsLife, receiver: SockJsReceiver): Promise<void> {
  const left = writeFrames(receiver, await relay.take(life));
  if (left.length) await relay.putBack(life, left);
}
