import { PERSIST_SHARDS } from '../redis/redis-keys';
import type { QueueClient } from './queue-client';
import { QUEUE_NAMES } from './queue-names';

/**
 * The drain jobs of the persistence shards: one `persist-shard` job per shard with a fixed id, so adding
 * one that exists (active, waiting or retrying) is a no-op. Every worker adds them at start and on every
 * sweep, so a shard always has its drain, whoever dies.
 */
export class PersistShards {
  constructor(private readonly queues: QueueClient) {}

  async ensureDrains(): Promise<void> {
    await Promise.all(Array.from({ length: PERSIST_SHARDS }, (_, shard) => this.queues.enqueue(QUEUE_NAMES.chatPersist, 'persist-shard', { shard })));
  }
}
