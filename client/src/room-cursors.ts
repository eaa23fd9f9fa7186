import type { ChatEvent } from '../../protocol/room-events';

/**
 * The last seq delivered per room, so every CHAT event reaches the app exactly once and in order. While a
 * room syncs, its CHAT events (replayed and live, interleaved on the socket) are held; when the sync's
 * RECEIPT arrives they are released sorted by seq, without those already delivered.
 */
export class RoomCursors {
  private readonly last = new Map<number, number>();
  private readonly held = new Map<number, ChatEvent[]>();
  /** Rooms unfollowed (or refused): their events are not delivered, and they are not followed again by an event. */
  private readonly dropped = new Set<number>();

  rooms(): number[] {
    return [...this.last.keys()];
  }

  /** Starts following a room from `afterSeq` (kept if the room is followed already). */
  follow(requestIdx: number, afterSeq = 0): void {
    this.dropped.delete(requestIdx);
    if (!this.last.has(requestIdx)) this.last.set(requestIdx, afterSeq);
  }

  unfollow(requestIdx: number): void {
    this.dropped.add(requestIdx);
    this.last.delete(requestIdx);
    this.held.delete(requestIdx);
  }

  follows(requestIdx: number): boolean {
    return this.last.has(requestIdx);
  }

  isSyncing(requestIdx: number): boolean {
    return this.held.has(requestIdx);
  }

  lastSeq(requestIdx: number): number {
    return this.last.get(requestIdx) ?? 0;
  }

  beginSync(requestIdx: number): void {
    if (!this.held.has(requestIdx)) this.held.set(requestIdx, []);
  }

  /** The events to deliver now for this one (none while its room syncs, or when it was delivered already). */
  offer(event: ChatEvent): ChatEvent[] {
    if (this.dropped.has(event.requestIdx)) return [];
    this.follow(event.requestIdx);
    const held = this.held.get(event.requestIdx);
    if (held) {
      held.push(event);
      return [];
    }
    return this.advance(event.requestIdx, [event]);
  }

  /** The sync of a room ended: what it held, in seq order, without duplicates. */
  endSync(requestIdx: number): ChatEvent[] {
    const held = this.held.get(requestIdx) ?? [];
    this.held.delete(requestIdx);
    return this.advance(
      requestIdx,
      held.sort((a, b) => a.seq - b.seq),
    );
  }

  /** A connection was lost mid-sync: what it held is dropped (the next sync replays it). */
  abandonSyncs(): void {
    this.held.clear();
  }

  private advance(requestIdx: number, events: readonly ChatEvent[]): ChatEvent[] {
    const out: ChatEvent[] = [];
    for (const e of events) {
      if (e.seq <= this.lastSeq(requestIdx)) continue;
      this.last.set(requestIdx, e.seq);
      out.push(e);
    }
    return out;
  }
}
