import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';
import type { JobData, JobName } from './job-payloads';
import { jobSpec } from './job-table';
import { ALL_QUEUES, bullPrefix, type QueueName } from './queue-names';

/** Typed producer side of every queue, sharing one Redis connection. */
export class QueueClient {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(connection: Redis, redisPrefix: string, log?: Logger) {
    // Without a listener BullMQ prints each connection error raw (multi-line) on stdout: one JSON line per
    // 10 s instead, like the Redis clients' own (lib/redis/redis-client.ts).
    let lastLogged = 0;
    const onError = (queue: QueueName) => (err: Error) => {
      if (Date.now() - lastLogged < 10_000) return;
      lastLogged = Date.now();
      log?.warn({ err: err.message, queue }, 'queue connection error; reconnecting');
    };
    for (const name of ALL_QUEUES) {
      const queue = new Queue(name, { connection, prefix: bullPrefix(redisPrefix, name) });
      queue.on('error', onError(name));
      this.queues.set(name, queue);
    }
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  /** Queues a job with its options from the job table (`delay` for jobs that wait a window). */
  async enqueue<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, data: JobData<Q, N>, extra: Pick<JobsOptions, 'delay'> = {}): Promise<void> {
    await this.queue(queue).add(name, data, { ...jobSpec(queue, name).options(data), ...extra });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
