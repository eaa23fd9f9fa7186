import type { Redis } from 'ioredis';
import type { Logger } from '../../logging/logger';
import type { RedisKeys } from '../../redis/redis-keys';
import { SingleFlight } from '../../async/single-flight';
import { prepareLocks, withLockOrWait } from '../../redis/redis-lock';
import type { ChatLog } from '../hot-log/chat-log';
import type { SeqReservations } from '../persistence/seq-reservations';

/** Seqs one lease grants: a PostgreSQL write per this many messages of a room, and at most this many skipped per Redis loss. */
export const SEQ_LEASE_SIZE = 128;
const WAIT = { stepMs: 10, limitMs: 5_000 };
/** The room's lease lock: renewed every third of this while its holder lives, so a dead holder blocks the room for at most this long. */
const LOCK_TTL_MS = 2_000;

/**
 * Extends a room's seq lease: PostgreSQL first (compare-and-set from the lease Redis holds), then Redis.
 * A failed compare means PostgreSQL granted a newer lease to some other Redis state, so this one is stale:
 * it is invalidated and rebuilt. One extension per room at a time across processes.
 */
export class SeqLease {
  private readonly inFlight = new SingleFlight<number, void>();

  constructor(private readonly d: { redis: Redis; keys: RedisKeys; chatLog: ChatLog; reservations: SeqReservations; log: Logger }) {
    prepareLocks(d.redis);
  }

  /** True when the lease is getting short and should be extended ahead of use. */
  static runningLow(seq: number, lease: number): boolean {
    return lease - seq <= SEQ_LEASE_SIZE / 2;
  }

  extend(requestIdx: number): Promise<void> {
    const d = this.d;
    return this.inFlight.run(requestIdx, () =>
      withLockOrWait(
        d.redis,
        d.keys.lock(`lease:${requestIdx}`),
        LOCK_TTL_MS,
        () => this.extendLocked(requestIdx),
        // Another process holds the room's lease lock: done once the lease it is extending has moved.
        async () => {
          const state = await d.chatLog.leaseState(requestIdx);
          return !state || !SeqLease.runningLow(state.seq, state.lease);
        },
        { ...WAIT, what: `seq lease of room ${requestIdx}` },
      ),
    );
  }

  /**
   * Waits for the extensions in flight (a drain): one stopped between PostgreSQL and Redis would leave the room's
   * Redis lease behind PostgreSQL's, which the next extension reads as a stale hot log (a rebuild, skipped seqs).
   */
  settle(): Promise<void> {
    return this.inFlight.settle();
  }

  /** Fire-and-forget extension ahead of need (a failure only means the next append asks again). */
  extendSoon(requestIdx: number): void {
    this.extend(requestIdx).catch((err: unknown) => this.d.log.warn({ err, requestIdx }, 'seq lease extension failed; retried on demand'));
  }

  /** Under the room's lease lock: PostgreSQL first (compare-and-set), then Redis. */
  private async extendLocked(requestIdx: number): Promise<void> {
    const d = this.d;
    const state = await d.chatLog.leaseState(requestIdx);
    if (!state || !SeqLease.runningLow(state.seq, state.lease)) return;
    const upto = Math.max(state.lease, state.seq) + SEQ_LEASE_SIZE;
    if (!(await d.reservations.extend(requestIdx, state.lease, upto))) {
      d.log.warn({ requestIdx, lease: state.lease }, 'seq lease is behind PostgreSQL: the hot log is stale; rebuilding');
      await d.chatLog.invalidate(requestIdx);
      return;
    }
    await d.chatLog.setLease(requestIdx, state.lease, upto);
  }
}
