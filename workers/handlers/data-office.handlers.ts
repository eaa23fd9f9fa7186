import type { Redis } from 'ioredis';
import type { RetentionPurge } from '../../lib/data-office/retention-purge';
import type { UserErasure } from '../../lib/data-office/user-erasure';
import type { Logger } from '../../lib/logging/logger';
import type { QueueClient } from '../../lib/queues/queue-client';
import { QUEUE_NAMES } from '../../lib/queues/queue-names';
import type { RedisKeys } from '../../lib/redis/redis-keys';
import { withLock } from '../../lib/redis/redis-lock';
import type { QueueHandlers } from '../job-runner';
import type { WorkerMetrics } from '../worker-metrics';

const PURGE_LOCK_TTL_MS = 60_000;

/**
 * data-office: the retention purge (periodic, one run at a time across workers, a follow-up run queued while
 * it stops at its bound) and erasures (one job per person; progress on the job, the report as its result).
 */
export function dataOfficeHandlers(d: {
  purge: RetentionPurge;
  erasure: UserErasure;
  queues: QueueClient;
  redis: Redis;
  keys: RedisKeys;
  metrics: WorkerMetrics;
  log: Logger;
}): QueueHandlers<'data-office'> {
  return {
    'retention-purge': async () => {
      const r = await withLock(d.redis, d.keys.lock('retention-purge'), PURGE_LOCK_TTL_MS, () => d.purge.run());
      if (!r) return { skipped: true };
      d.metrics.retentionPurged.inc(r.purged);
      d.metrics.retentionFailed.inc(r.failed);
      d.metrics.retentionPending.set(r.pending);
      d.log.info({ report: r }, 'retention purge done');
      if (r.more) await d.queues.enqueue(QUEUE_NAMES.dataOffice, 'retention-purge', {});
      return r;
    },
    'erase-user': async ({ userId }, job) => {
      try {
        const report = await d.erasure.run(userId, (p) => job.updateProgress({ ...p }));
        d.metrics.erasures.inc({ outcome: report ? 'erased' : 'nothing-requested' });
        return report ?? { skipped: true };
      } catch (err) {
        d.metrics.erasures.inc({ outcome: 'failed' });
        throw err;
      }
    },
  };
}
