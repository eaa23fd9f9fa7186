import type { AppConfig } from '../lib/config/config';
import type { QueueClient } from '../lib/queues/queue-client';
import { QUEUE_NAMES } from '../lib/queues/queue-names';

/** Repeating jobs as BullMQ job schedulers: upserts are idempotent by id, so N worker processes make one schedule. */
export async function upsertJobSchedulers(queues: QueueClient, config: AppConfig): Promise<void> {
  void config;
  await queues.queue(QUEUE_NAMES.chatPersist).upsertJobScheduler(
    'persist-sweep',
    { every: 2000 },
    { name: 'persist-sweep', data: {}, opts: { removeOnComplete: 10, removeOnFail: 100 } },
  );
}
