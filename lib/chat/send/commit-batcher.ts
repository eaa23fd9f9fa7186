import type { ChatMessage } from '../../../protocol/chat-message';
import { TurnBatch } from '../../async/turn-batch';
import type { DurableCommit } from '../persistence/durable-commit';
import type { PersistIndex } from '../persistence/persist-index';

/**
 * Group commit for `CHAT_RECEIPT_AFTER=postgres`: every message appended in one event-loop turn (and
 * while the previous transaction runs) goes to PostgreSQL in one statement; each caller learns the seq
 * its message is stored under once that statement has committed. The rooms' committed marks then move over
 * what it stored under its Redis seq, so persistence does not write those rows again.
 */
export class CommitBatcher {
  private readonly batch = new TurnBatch<ChatMessage, ReadonlyMap<string, number>>((messages) => this.store(messages), { oneAtATime: true });

  constructor(
    private readonly durable: DurableCommit,
    private readonly index: PersistIndex,
  ) {}

  async commit(message: ChatMessage): Promise<number> {
    const seq = (await this.batch.add(message)).get(message.messageId);
    if (seq === undefined) throw new Error('message not stored');
    return seq;
  }

  private async store(messages: ChatMessage[]): Promise<ReadonlyMap<string, number>> {
    const { storedSeq } = await this.durable.commit(messages);
    this.advanceMarks(messages, storedSeq);
    return storedSeq;
  }

  /** Not awaited: a mark left behind only means persistence writes those rows again (they conflict, harmlessly). */
  private advanceMarks(batch: readonly ChatMessage[], storedSeq: ReadonlyMap<string, number>): void {
    const rooms = new Map<number, number[]>();
    for (const m of batch) {
      if (storedSeq.get(m.messageId) !== m.seq) continue; // re-homed: its room rebuilds
      const seqs = rooms.get(m.requestIdx);
      if (seqs) seqs.push(m.seq);
      else rooms.set(m.requestIdx, [m.seq]);
    }
    for (const [id, seqs] of rooms) this.index.advance(id, seqs).catch(() => undefined);
  }
}
