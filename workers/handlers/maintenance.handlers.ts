import type { AutoCloseScan } from '../../lib/maintenance/auto-close-scan';
import type { BackupCycle } from '../../lib/maintenance/backup-cycle';
import type { CleanupCycle } from '../../lib/maintenance/cleanup-cycle';
import type { Logger } from '../../lib/logging/logger';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../lib/redis/redis-keys';
import { prepareLocks, withLock } from '../../lib/redis/redis-lock';
import type { QueueHandlers } from '../job-runner';
import type { WorkerMetrics } from '../worker-metrics';

const LOCK_TTL_MS = 60_000;

/**
 * maintenance: the three periodic cycles. Each runs under its own lock, so a slow cycle makes the next
 * one skip instead of overlapping, whichever worker process picked it up.
 */
export function maintenanceHandlers(d: {
  backup: BackupCycle;
  autoClose: AutoCloseScan;
  cleanup: CleanupCycle;
  redis: Redis;
  keys: RedisKeys;
  metrics: WorkerMetrics;
  log: Logger;
}): QueueHandlers<'maintenance'> {
  prepareLocks(d.redis);
  const locked = async <T extends object>(name: string, work: () => Promise<T>) => {
    const result = await withLock(d.redis, d.keys.lock(name), LOCK_TTL_MS, work);
    if (result === undefined) {
      d.log.info({ cycle: name }, 'previous cycle still running; skipped');
      return { skipped: true };
    }
    d.log.info({ cycle: name, report: result as object }, 'cycle done');
    return result;
  };
  return {
    'backup-cycle': () =>
      locked('backup-cycle', async () => {
        const r = await d.backup.run();
        for (const result of ['scanned', 'changed', 'uploaded', 'failed'] as const) d.metrics.backupRooms.inc({ result }, r[result]);
        d.metrics.backupCycleSeconds.observe(r.durationMs / 1000);
        return r;
      }),
    'auto-close-scan': () =>
      locked('auto-close-scan', async () => {
        const r = await d.autoClose.run();
        d.metrics.autoClosed.inc({ reason: 'INACTIVE' }, r.closedInactive);
        d.metrics.autoClosed.inc({ reason: 'MAX_DURATION' }, r.closedMaxDuration);
        d.metrics.warnings.inc(r.warned);
        return r;
      }),
    'cleanup-cycle': () =>
      locked('cleanup-cycle', async () => {
        const r = await d.cleanup.run();
        const kinds = { temp_snapshot: r.tempRemoved, orphan_room: r.orphansRemoved, orphan_archived: r.orphansArchived, archive_requeued: r.archivesRequeued };
        for (const [kind, n] of Object.entries(kinds)) d.metrics.cleanup.inc({ kind }, n);
        return r;
      }),
  };
}
