import { WaitingError, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logging/logger';
import type { JobData, JobName } from '../lib/queues/job-payloads';
import { JOB_NAMES } from '../lib/queues/job-table';
import { bullPrefix, type QueueName } from '../lib/queues/queue-names';
import { retryDelayMs } from '../lib/queues/retry-backoff';
import type { WorkerMetrics } from './worker-metrics';

/** `token` is the worker's lock token (a long-lived job hands itself back with it). */
export type JobHandler<Q extends QueueName, N extends JobName<Q>> = (data: JobData<Q, N>, job: Job, token?: string) => Promise<unknown>;
export type QueueHandlers<Q extends QueueName> = { [N in JobName<Q>]: JobHandler<Q, N> };
export type HandlerTable = { [Q in QueueName]: QueueHandlers<Q> };

export interface QueueSettings {
  readonly concurrency: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** How often a job may lose its worker before it fails (BullMQ's default is 1). */
  readonly maxStalledCount?: number;
}

/**
 * One BullMQ Worker per queue, dispatching by job name. Start-up fails if a declared job has no handler
 * (or a handler has no declared job), so a producer can never enqueue work nobody runs.
 */
export function startQueueWorkers(
  handlers: HandlerTable,
  settings: { [Q in QueueName]: QueueSettings },
  deps: { connection: Redis; redisPrefix: string; log: Logger; metrics: WorkerMetrics; retry: { baseMs: number; capMs: number } },
): Worker[] {
  const workers: Worker[] = [];
  for (const queue of Object.keys(JOB_NAMES) as QueueName[]) {
    const table = handlers[queue] as Record<string, JobHandler<QueueName, never>>;
    const declared = new Set<string>(JOB_NAMES[queue]);
    for (const name of declared) if (!table[name]) throw new Error(`queue ${queue}: job ${name} has no handler`);
    for (const name of Object.keys(table)) if (!declared.has(name)) throw new Error(`queue ${queue}: handler for undeclared job ${name}`);
    const s = settings[queue];
    const options: WorkerOptions = {
      connection: deps.connection,
      prefix: bullPrefix(deps.redisPrefix, queue),
      concurrency: s.concurrency,
      lockDuration: s.lockDurationMs ?? 30_000,
      stalledInterval: s.stalledIntervalMs ?? 30_000,
      maxStalledCount: s.maxStalledCount ?? 1,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, deps.retry.baseMs, deps.retry.capMs) },
    };
    const worker = new Worker(
      queue,
      async (job: Job, token?: string) => {
        const started = process.hrtime.bigint();
        const log = deps.log.child({ queue, jobId: job.id, job: job.name });
        try {
          const result = await table[job.name]!(job.data as never, job, token);
          deps.metrics.jobDuration.observe({ queue, name: job.name, outcome: 'completed' }, seconds(started));
          return result;
        } catch (err) {
          if (err instanceof WaitingError) throw err; // handed back to wait on purpose, not a failure
          deps.metrics.jobDuration.observe({ queue, name: job.name, outcome: 'failed' }, seconds(started));
          log.warn({ err, attempt: job.attemptsMade + 1 }, 'job failed');
          throw err;
        }
      },
      options,
    );
    worker.on('error', (err) => deps.log.error({ err, queue }, 'worker error'));
    workers.push(worker);
  }
  return workers;
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
