import { persistShardOf } from '../redis/redis-keys';
import type { ChatLog } from './chat-log';

interface ShardBatch {
  /** requestIdx → highest seq appended this turn. */
  readonly rooms: Map<number, number>;
  readonly done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Writes the pending-persistence index for one event-loop turn of appends in one ZADD per shard instead of
 * one per message: the index write is half of the gateway's Redis commands per message. Every caller's
 * promise settles with its shard's write, so a RECEIPT still follows the index entry that covers it.
 */
export class PendingIndexWriter {
  private batches = new Map<number, ShardBatch>();
  private scheduled = false;

  constructor(private readonly chatLog: ChatLog) {}

  index(requestIdx: number, seq: number): Promise<void> {
    const shard = persistShardOf(requestIdx);
    let batch = this.batches.get(shard);
    if (!batch) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch = { rooms: new Map(), done, resolve, reject };
      this.batches.set(shard, batch);
    }
    if ((batch.rooms.get(requestIdx) ?? 0) < seq) batch.rooms.set(requestIdx, seq);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return batch.done;
  }

  private flush(): void {
    const batches = this.batches;
    this.batches = new Map();
    this.scheduled = false;
    for (const [shard, b] of batches) this.chatLog.indexPendingMany(shard, b.rooms).then(b.resolve, b.reject);
  }
}
