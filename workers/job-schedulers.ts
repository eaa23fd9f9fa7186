import type { AppConfig } from '../lib/config/config';
import type { QueueClient } from '../lib/queues/queue-client';
import { QUEUE_NAMES } from '../lib/queues/queue-names';

const keep = { removeOnComplete: 20, removeOnFail: 200 };

/** Repeating jobs as BullMQ job schedulers: upserts are idempotent by id, so N worker processes make one schedule. */
export async function upsertJobSchedulers(queues: QueueClient, config: AppConfig): Promise<void> {
  await queues.queue(QUEUE_NAMES.chatPersist).upsertJobScheduler('persist-sweep', { every: 2000 }, { name: 'persist-sweep', data: {}, opts: keep });
  const maintenance = queues.queue(QUEUE_NAMES.maintenance);
  await maintenance.upsertJobScheduler('backup-cycle', { every: config.backupIntervalMs }, { name: 'backup-cycle', data: {}, opts: keep });
  await maintenance.upsertJobScheduler('auto-close-scan', { every: config.autoClose.scanIntervalMs }, { name: 'auto-close-scan', data: {}, opts: keep });
  await maintenance.upsertJobScheduler('cleanup-cycle', { every: config.cleanupIntervalMs }, { name: 'cleanup-cycle', data: {}, opts: keep });
}
