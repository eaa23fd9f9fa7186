import type { Logger } from '../logging/logger';
import { persistShardOf } from '../chat/chat-log';
import type { QueueClient } from './queue-client';
import { QUEUE_NAMES } from './queue-names';

/**
 * Wakes the persistence worker after appends: at most one queue add per shard per event-loop turn,
 * deduplicated in BullMQ to one active plus one waiting job per shard. If this process dies between an
 * append and the add, the periodic persist-sweep finds the room in the pending set.
 */
export class PersistWakeups {
  private readonly due = new Set<number>();
  private scheduled = false;

  constructor(
    private readonly queues: QueueClient,
    private readonly log: Logger,
  ) {}

  notify(requestIdx: number): void {
    this.due.add(persistShardOf(requestIdx));
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const shards = [...this.due];
      this.due.clear();
      for (const shard of shards) {
        this.wake(shard).catch((err: unknown) => this.log.warn({ err, shard }, 'persist wake-up failed; the sweep will cover it'));
      }
    });
  }

  wake(shard: number): Promise<void> {
    return this.queues.add(QUEUE_NAMES.chatPersist, 'persist-shard', { shard }, {
      deduplication: { id: `persist-${shard}`, keepLastIfActive: true },
      removeOnComplete: 100,
      removeOnFail: 500,
      attempts: 5,
      backoff: { type: 'custom' },
    });
  }
}
