import { createHash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '../config/config';
import type { JobData, JobName } from './job-payloads';
import type { QueueName } from './queue-names';

/** How one kind of job is queued: its options (with its id scheme, from the payload) and, for repeating jobs, how often. */
export interface JobSpec<Q extends QueueName, N extends JobName<Q>> {
  options(data: JobData<Q, N>): JobsOptions;
  /** Repeating jobs only: the interval of their BullMQ job scheduler (scheduler id = job name). */
  every?(config: AppConfig): number;
}

type JobTable = { readonly [Q in QueueName]: { readonly [N in JobName<Q>]: JobSpec<Q, N> } };

/** A shard's drain job has a fixed id: adding one that exists is a no-op. */
const DRAIN_JOB_ID = /^persist-drain-(\d+)$/;
export const drainJobId = (shard: number) => `persist-drain-${shard}`;

/** The shards whose drain jobs these are (other job ids are left out). */
export function drainShards(jobIds: readonly string[]): number[] {
  return jobIds.flatMap((id) => {
    const m = DRAIN_JOB_ID.exec(id);
    return m ? [Number(m[1])] : [];
  });
}

const hashId = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 24);
const retried = (attempts: number) => ({ attempts, backoff: { type: 'custom' } }) as const;
const keepFew = { removeOnComplete: 20, removeOnFail: 200 } as const;

/**
 * Every job of the project in one table (payload types in job-payloads.ts): producers queue through it
 * (QueueClient.enqueue), the worker's boot check compares its handlers with it, and the job schedulers are
 * upserted from it. Handlers live in workers/handlers (lib imports no worker code).
 */
export const JOB_TABLE: JobTable = {
  'chat-persist': {
    // A shard's drain: one job per shard for as long as workers run (fixed id); a failed round retries it with
    // backoff, for as long as it takes (PostgreSQL may be down for hours).
    'persist-shard': {
      options: ({ shard }) => ({ jobId: drainJobId(shard), removeOnComplete: true, removeOnFail: true, ...retried(Number.MAX_SAFE_INTEGER) }),
    },
    // Only a lost drain job or wake token needs it: rare, and it finds nothing otherwise.
    'persist-sweep': { options: () => keepFew, every: () => 30_000 },
    // A Redis Cluster only (on one server the append indexes its room): a gateway dying mid-send.
    'persist-reindex': { options: () => keepFew, every: () => 30_000 },
  },
  'consultation-archive': {
    // The id makes a second end, or a retry, one archive.
    archive: { options: ({ requestIdx }) => ({ jobId: `archive-${requestIdx}`, removeOnComplete: 1000, removeOnFail: 5000, ...retried(20) }) },
  },
  'data-office': {
    // A run is bounded: one that reaches its bound queues a follow-up (no fixed id) instead of waiting a day.
    'retention-purge': { options: () => keepFew, every: (c) => c.retention.scanIntervalMs },
    // One job per person while it is queued or running (ids may not hold ':', so a hash of the user id).
    'erase-user': { options: ({ userId }) => ({ jobId: `erase-${hashId(userId)}`, removeOnComplete: true, removeOnFail: 100, ...retried(20) }) },
  },
  'push-notify': {
    notify: { options: () => ({ removeOnComplete: 1000, removeOnFail: 5000, ...retried(6) }) },
    'chat-digest': { options: () => ({ removeOnComplete: 1000, removeOnFail: 1000 }) },
  },
  maintenance: {
    'backup-cycle': { options: () => keepFew, every: (c) => c.backupIntervalMs },
    'auto-close-scan': { options: () => keepFew, every: (c) => c.autoClose.scanIntervalMs },
    'cleanup-cycle': { options: () => keepFew, every: (c) => c.cleanupIntervalMs },
  },
};

/** The job names per queue, as values (the worker checks its handler table against these). */
export const JOB_NAMES = Object.fromEntries(Object.entries(JOB_TABLE).map(([q, jobs]) => [q, Object.keys(jobs)])) as unknown as {
  readonly [Q in QueueName]: readonly JobName<Q>[];
};

export const jobSpec = <Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N): JobSpec<Q, N> =>
  (JOB_TABLE[queue] as unknown as Record<string, JobSpec<Q, N>>)[name]!;
