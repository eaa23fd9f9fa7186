import type { Redis } from 'ioredis';
import type { Logger } from '../../logging/logger';
import type { RedisKeys } from '../../redis/redis-keys';
import { SingleFlight } from '../../async/single-flight';
import { prepareLocks, withLockOrWait } from '../../redis/redis-lock';
import type { ChatLog } from './chat-log';
import { decodeChatMessage } from '../../../protocol/chat-message';
import type { ChatMessageRepository } from '../persistence/chat-message-repository';
import type { DurabilityObserver } from '../persistence/durability-observer';
import type { DurableCommit } from '../persistence/durable-commit';
import type { SeqReservations } from '../persistence/seq-reservations';
import { HOT_TAIL_MESSAGES } from './hot-tail';

// Renewed every third of it while a rebuild runs: a gateway that dies mid-rebuild holds its room for at most this long.
const LOCK_TTL_MS = 5_000;
const WAIT = { stepMs: 20, limitMs: 10_000 };

/**
 * Rebuilds a room whose hot log failed verification, by seq and never by position:
 *  1. whatever is left of the list is committed to PostgreSQL first (uncommitted messages are not dropped);
 *  2. messages known to have been appended but found nowhere are counted as lost;
 *  3. the room continues after the last seq it is known to have handed out when its meta survived in this
 *     Redis incarnation, else after PostgreSQL's high-water mark (the seq reservation), with the dedupe window
 *     (the newest messages' ids; older ones are answered from PostgreSQL), so no seq and no clientMsgId is ever reused.
 * One rebuild per room at a time across processes (a Redis lock); others wait for it.
 */
export class HotLogRebuilder {
  private readonly inFlight = new SingleFlight<number, void>();

  constructor(
    private readonly d: {
      redis: Redis;
      keys: RedisKeys;
      chatLog: ChatLog;
      messages: ChatMessageRepository;
      reservations: SeqReservations;
      commit: DurableCommit;
      observer: DurabilityObserver;
      log: Logger;
    },
  ) {
    prepareLocks(d.redis);
  }

  rebuild(requestIdx: number, reason: string): Promise<void> {
    return this.inFlight.run(requestIdx, () =>
      withLockOrWait(
        this.d.redis,
        this.d.keys.lock(`rebuild:${requestIdx}`),
        LOCK_TTL_MS,
        () => this.rebuildLocked(requestIdx, reason),
        // Another process is rebuilding: done once the room verifies again.
        async () => (await this.d.chatLog.inspect(requestIdx)) === undefined,
        { ...WAIT, what: `room ${requestIdx} rebuild` },
      ),
    );
  }

  private async rebuildLocked(requestIdx: number, reason: string): Promise<void> {
    const d = this.d;
    const remains = await d.chatLog.inspect(requestIdx);
    if (!remains) return;
    const survivors = remains.raw.map((raw) => decodeChatMessage(raw)).filter((m) => m.requestIdx === requestIdx);
    if (survivors.length) await d.commit.commit(survivors);

    // Seqs in (lo, expectedHigh] were handed out by the lost state; those not stored now are lost. Within one
    // Redis incarnation the persistence marks cover every seq handed out, so expectedHigh is exact there.
    const lo = Math.max(remains.committed, remains.metaBase);
    const expectedHigh = Math.max(remains.metaSeq, remains.pending, remains.committed);
    const lost = expectedHigh > lo ? expectedHigh - lo - (await d.messages.countBetween(requestIdx, lo, expectedHigh)) : 0;
    const { hw, storedMax } = await d.reservations.highWater(requestIdx, expectedHigh);
    // Without a meta of this incarnation nobody knows how much of the reservation was used: skip all of it.
    const seq = remains.sameEpoch ? Math.max(storedMax, expectedHigh) : hw;
    const abandoned = seq - Math.max(storedMax, expectedHigh);
    await d.chatLog.rebuild(requestIdx, seq, hw, await d.messages.rebuildState(requestIdx, HOT_TAIL_MESSAGES));

    // A room that simply is not in Redis (new, or expired by its TTL) is a load, not a repair.
    const cold = remains.metaSeq < 0 && remains.raw.length === 0 && remains.pending === 0;
    if (!cold || abandoned > 0) d.observer.onRebuilt({ requestIdx, lost, abandoned, reason });
    const fields = { requestIdx, reason: cold ? 'not-loaded' : reason, seq, survivors: survivors.length, lost, abandoned };
    if (lost > 0) d.log.error(fields, 'hot log rebuilt; receipted messages were lost with Redis before their commit');
    else if (abandoned > 0) d.log.warn(fields, 'hot log rebuilt; reserved seqs skipped (messages lost with Redis, if any, are among them)');
    else if (!cold) d.log.info(fields, 'hot log rebuilt from PostgreSQL');
  }
}
