import type { Logger } from '../logging/logger';
import { persistShardOf } from '../redis/redis-keys';
import type { QueueClient } from './queue-client';
import { QUEUE_NAMES } from './queue-names';

/**
 * Wakes the persistence worker after appends: the first append to a shard wakes it at once; further
 * ones within `throttleMs` share one trailing wake-up (the job commits everything pending, however
 * much arrived). BullMQ deduplicates to one active plus one waiting job per shard. If this process dies
 * between an append and the add, the periodic persist-sweep finds the room in the pending index (and
 * persist-reindex puts a room back into the index if it died before indexing it).
 */
export class PersistWakeups {
  private readonly lastWake = new Map<number, number>();
  private readonly trailing = new Set<number>();

  constructor(
    private readonly queues: QueueClient,
    private readonly log: Logger,
    private readonly throttleMs = 50,
  ) {}

  notify(requestIdx: number): void {
    const shard = persistShardOf(requestIdx);
    if (this.trailing.has(shard)) return;
    const wait = (this.lastWake.get(shard) ?? 0) + this.throttleMs - Date.now();
    if (wait <= 0) {
      this.fire(shard);
      return;
    }
    this.trailing.add(shard);
    setTimeout(() => {
      this.trailing.delete(shard);
      this.fire(shard);
    }, wait).unref();
  }

  private fire(shard: number): void {
    this.lastWake.set(shard, Date.now());
    this.wake(shard).catch((err: unknown) => this.log.warn({ err, shard }, 'persist wake-up failed; the sweep will cover it'));
  }

  wake(shard: number): Promise<void> {
    return this.queues.enqueue(QUEUE_NAMES.chatPersist, 'persist-shard', { shard });
  }
}
