import type { AppConfig } from '../lib/config/config';
import type { QueueClient } from '../lib/queues/queue-client';
import { JOB_TABLE, type JobSpec } from '../lib/queues/job-table';
import type { QueueName } from '../lib/queues/queue-names';

/**
 * The repeating jobs of the job table as BullMQ job schedulers (id = job name): upserts are idempotent, so
 * N worker processes make one schedule.
 */
export async function upsertJobSchedulers(queues: QueueClient, config: AppConfig): Promise<void> {
  for (const [queue, jobs] of Object.entries(JOB_TABLE) as [QueueName, Record<string, JobSpec<QueueName, never>>][]) {
    for (const [name, spec] of Object.entries(jobs)) {
      if (!spec.every) continue;
      await queues.queue(queue).upsertJobScheduler(name, { every: spec.every(config) }, { name, data: {}, opts: spec.options({} as never) });
    }
  }
}
