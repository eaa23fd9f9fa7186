import { backoffDelay, type BackoffOptions } from './backoff';
import type { Clock } from './clock';
import type { Connection } from './connection';
import { OfficeHoursError } from './errors';
import type { EventEmitter } from './event-emitter';
import { APP_SYNC } from '../../protocol/destinations';
import type { ChatEvent } from '../../protocol/room-events';
import { RoomCursors } from './room-cursors';
import { RoomWaiters } from './room-waiters';
import type { StompCalls } from './stomp-calls';

/**
 * The rooms the app follows: each is synced after every CONNECTED, and its CHAT events reach the app once
 * and in order across reconnects (`RoomCursors`); `follow()` resolves once its room is synced.
 */
export class FollowedRooms {
  private readonly cursors = new RoomCursors();
  private readonly followers = new RoomWaiters();

  constructor(private readonly d: { connection: Connection; calls: StompCalls; events: EventEmitter; clock: Clock; backoff: BackoffOptions }) {}

  follow(requestIdx: number, afterSeq: number): Promise<void> {
    this.cursors.follow(requestIdx, afterSeq);
    const synced = this.followers.wait(requestIdx);
    if (this.d.connection.stomp && !this.cursors.isSyncing(requestIdx)) this.sync(requestIdx);
    return synced;
  }

  unfollow(requestIdx: number): void {
    this.cursors.unfollow(requestIdx);
    this.followers.reject(requestIdx, new OfficeHoursError('CLOSED', 'unfollowed', { requestIdx }));
  }

  /** A CHAT event from the wire: delivered now, held while its room syncs, or dropped as seen already. */
  offer(event: ChatEvent): void {
    for (const e of this.cursors.offer(event)) this.d.events.emit('CHAT', e);
  }

  /** A new session: every followed room is synced from its last delivered seq. */
  syncAll(): void {
    for (const room of this.cursors.rooms()) this.sync(room);
  }

  /** The session is gone: syncs in flight end unanswered and start again at the next CONNECTED. */
  abandonSyncs(): void {
    this.cursors.abandonSyncs();
  }

  rejectAll(err: OfficeHoursError): void {
    this.followers.rejectAll(err);
  }

  /** Replays the room after its last delivered seq; its live events wait meanwhile, so each arrives once, in order. */
  private sync(requestIdx: number): void {
    this.cursors.beginSync(requestIdx);
    this.d.calls.call(APP_SYNC, { requestIdx, afterSeq: this.cursors.lastSeq(requestIdx) }, requestIdx).then(
      () => {
        for (const e of this.cursors.endSync(requestIdx)) this.d.events.emit('CHAT', e);
        this.followers.resolve(requestIdx);
      },
      (err: OfficeHoursError) => this.syncRefused(requestIdx, err),
    );
  }

  private syncRefused(requestIdx: number, err: OfficeHoursError): void {
    // Lost: synced again at the next CONNECTED. Stopped: the followers already know.
    if (err.code === 'CONNECTION_LOST' || this.d.connection.stopped) return;
    if (err.retryable) {
      const again = () => this.d.connection.stomp && this.cursors.follows(requestIdx) && this.sync(requestIdx);
      this.d.clock.setTimeout(again, backoffDelay(1, this.d.backoff) + 100);
      return;
    }
    this.cursors.unfollow(requestIdx);
    this.followers.reject(requestIdx, err);
    this.d.events.emit('error', err);
  }
}
