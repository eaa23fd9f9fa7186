import type { QueueName } from './queue-names';

/** A push to some users about one consultation; `notificationIds` is filled in once the log rows exist. */
export interface NotifyJob {
  kind: string;
  userIds: string[];
  requestIdx: number;
  data: Record<string, string>;
  notificationIds?: number[];
}

/**
 * Job names and payloads of every queue: producers and workers import the same union; how each is queued
 * is in job-table.ts, and the worker process refuses to start if a job has no handler.
 */
export interface JobPayloads {
  'chat-persist': {
    'persist-shard': { shard: number };
    'persist-sweep': Record<string, never>;
    'persist-reindex': Record<string, never>;
  };
  'consultation-archive': {
    archive: { requestIdx: number };
  };
  'data-office': {
    'retention-purge': Record<string, never>;
    'erase-user': { userId: string };
  };
  'push-notify': {
    notify: NotifyJob;
    'chat-digest': { requestIdx: number; recipientId: string };
  };
  maintenance: {
    'backup-cycle': Record<string, never>;
    'auto-close-scan': Record<string, never>;
    'cleanup-cycle': Record<string, never>;
  };
}

export type JobName<Q extends QueueName> = keyof JobPayloads[Q] & string;
export type JobData<Q extends QueueName, N extends JobName<Q>> = JobPayloads[Q][N];
