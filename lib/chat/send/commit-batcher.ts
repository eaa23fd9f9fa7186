import type { ChatMessage } from '../../../protocol/chat-message';
import type { DurableCommit } from '../persistence/durable-commit';
import type { PersistIndex } from '../persistence/persist-index';

interface Waiter {
  readonly message: ChatMessage;
  resolve(storedSeq: number): void;
  reject(err: unknown): void;
}

/**
 * Group commit for `CHAT_RECEIPT_AFTER=postgres`: every message appended in one event-loop turn (and
 * while the previous transaction runs) goes to PostgreSQL in one statement; each caller learns the seq
 * its message is stored under once that statement has committed. The rooms' committed marks then move over
 * what it stored under its Redis seq, so persistence does not write those rows again.
 */
export class CommitBatcher {
  private queue: Waiter[] = [];
  private running = false;

  constructor(
    private readonly durable: DurableCommit,
    private readonly index: PersistIndex,
  ) {}

  commit(message: ChatMessage): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      try {
        const { storedSeq } = await this.durable.commit(batch.map((w) => w.message));
        this.advanceMarks(batch, storedSeq);
        for (const w of batch) {
          const seq = storedSeq.get(w.message.messageId);
          if (seq === undefined) w.reject(new Error('message not stored'));
          else w.resolve(seq);
        }
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.running = false;
  }

  /** Not awaited: a mark left behind only means persistence writes those rows again (they conflict, harmlessly). */
  private advanceMarks(batch: readonly Waiter[], storedSeq: ReadonlyMap<string, number>): void {
    const rooms = new Map<number, number[]>();
    for (const { message: m } of batch) {
      if (storedSeq.get(m.messageId) !== m.seq) continue; // re-homed: its room rebuilds
      const seqs = rooms.get(m.requestIdx);
      if (seqs) seqs.push(m.seq);
      else rooms.set(m.requestIdx, [m.seq]);
    }
    for (const [id, seqs] of rooms) this.index.advance(id, seqs).catch(() => undefined);
  }
}
