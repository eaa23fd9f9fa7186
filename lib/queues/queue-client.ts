import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobData, JobName } from './job-payloads';
import { ALL_QUEUES, bullPrefix, type QueueName } from './queue-names';

/** Typed producer side of every queue, sharing one Redis connection. */
export class QueueClient {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(connection: Redis, redisPrefix: string) {
    for (const name of ALL_QUEUES) this.queues.set(name, new Queue(name, { connection, prefix: bullPrefix(redisPrefix) }));
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  async add<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, data: JobData<Q, N>, options?: JobsOptions): Promise<void> {
    await this.queue(queue).add(name, data, options);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
