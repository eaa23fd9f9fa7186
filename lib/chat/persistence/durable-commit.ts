import type { Logger } from '../../logging/logger';
import type { ChatLog } from '../hot-log/chat-log';
import type { ChatMessage } from '../../../protocol/chat-message';
import type { ChatMessageRepository } from './chat-message-repository';
import type { DurabilityObserver } from './durability-observer';
import type { SeqReservations } from './seq-reservations';

const ROWS_PER_INSERT = 1000;

export interface CommitResult {
  /** Messages this call inserted (with their final seq). */
  readonly inserted: ChatMessage[];
  /** messageId → the seq under which the message is stored (differs from its Redis seq after a repair). */
  readonly storedSeq: ReadonlyMap<string, number>;
}

export interface DurableCommitDeps {
  readonly messages: ChatMessageRepository;
  /** Fresh seqs for a message whose seq a different stored message took. */
  readonly reservations: SeqReservations;
  /** Invalidates a room whose hot log disagreed with PostgreSQL. */
  readonly chatLog: ChatLog;
  readonly log: Logger;
  readonly observer: DurabilityObserver;
}

/**
 * Writes hot-log messages to PostgreSQL and proves each one is stored. A message whose seq or clientMsgId
 * already belongs to a *different* stored message is never skipped silently: it is an alarm (metric and
 * error log) and a repair, and the room's hot log is invalidated so it rebuilds from PostgreSQL.
 *  - same room+seq, different message (a stale Redis reused a seq): stored again under a fresh seq;
 *  - same sender+clientMsgId, different seq (a lost dedupe hash let a retry through): the original stays.
 */
export class DurableCommit {
  constructor(private readonly d: DurableCommitDeps) {}

  async commit(messages: readonly ChatMessage[]): Promise<CommitResult> {
    const inserted: ChatMessage[] = [];
    const storedSeq = new Map<string, number>();
    // Every writer inserts in (room, seq) order, so two writers of the same rows (the gateway's group
    // commit and the worker) wait for each other instead of deadlocking.
    const batch = [...messages].sort((a, b) => a.requestIdx - b.requestIdx || a.seq - b.seq);
    for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) {
      const slice = batch.slice(i, i + ROWS_PER_INSERT);
      const done = await this.d.messages.insertMany(slice);
      const rest: ChatMessage[] = [];
      for (const m of slice) {
        if (done.has(`${m.requestIdx}:${m.seq}`)) {
          inserted.push(m);
          storedSeq.set(m.messageId, m.seq);
        } else rest.push(m);
      }
      if (rest.length) await this.settleClashes(rest, inserted, storedSeq);
    }
    return { inserted, storedSeq };
  }

  private async settleClashes(rest: ChatMessage[], inserted: ChatMessage[], storedSeq: Map<string, number>): Promise<void> {
    const clashing = await this.d.messages.findClashing(rest);
    const bySeq = new Map(clashing.map((c) => [`${c.requestIdx}:${c.seq}`, c]));
    const byClient = new Map(clashing.map((c) => [`${c.requestIdx}:${c.senderId}\u0000${c.clientMsgId}`, c]));
    const invalidRooms = new Set<number>();
    for (const m of rest) {
      const same = bySeq.get(`${m.requestIdx}:${m.seq}`);
      if (same && same.messageId === m.messageId) {
        storedSeq.set(m.messageId, m.seq); // committed before (a retry or a second writer)
        continue;
      }
      const original = byClient.get(`${m.requestIdx}:${m.senderId}\u0000${m.clientMsgId}`);
      if (original && original.messageId === m.messageId) {
        storedSeq.set(m.messageId, original.seq); // re-homed by an earlier attempt
        continue;
      }
      invalidRooms.add(m.requestIdx);
      if (original) {
        this.alarm('duplicate-client-msg', m, original.seq);
        storedSeq.set(m.messageId, original.seq);
        continue;
      }
      const fresh = { ...m, seq: await this.d.reservations.takeOne(m.requestIdx) };
      const again = await this.d.messages.insertMany([fresh]);
      if (!again.has(`${fresh.requestIdx}:${fresh.seq}`)) throw new Error(`could not re-home message of room ${m.requestIdx} seq ${m.seq}`);
      this.alarm('seq-taken', m, fresh.seq);
      inserted.push(fresh);
      storedSeq.set(m.messageId, fresh.seq);
    }
    for (const id of invalidRooms) await this.d.chatLog.invalidate(id);
  }

  private alarm(kind: 'seq-taken' | 'duplicate-client-msg', m: ChatMessage, storedSeq: number): void {
    this.d.observer.onConflict(kind);
    this.d.log.error({ requestIdx: m.requestIdx, redisSeq: m.seq, storedSeq, kind }, 'hot log disagreed with PostgreSQL; repaired');
  }
}
