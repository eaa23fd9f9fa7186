import type { ChatMessage } from './chat-message';
import type { DurableCommit } from './durable-commit';

interface Waiter {
  readonly message: ChatMessage;
  resolve(storedSeq: number): void;
  reject(err: unknown): void;
}

/**
 * Group commit for `CHAT_RECEIPT_AFTER=postgres`: every message appended in one event-loop turn (and
 * while the previous transaction runs) goes to PostgreSQL in one statement; each caller learns the seq
 * its message is stored under once that statement has committed.
 */
export class CommitBatcher {
  private queue: Waiter[] = [];
  private running = false;

  constructor(private readonly durable: DurableCommit) {}

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
}
