import type { LifecycleObserver } from '../consultation/consultation-lifecycle';
import type { ConsultationModel } from '../consultation/consultation.model';
import type { QueueClient } from '../queues/queue-client';
import { jobSpec } from '../queues/job-table';
import { QUEUE_NAMES } from '../queues/queue-names';

/** Queues the archive job when a consultation becomes COMPLETED; the job id makes a second end a no-op. */
export class ArchiveScheduler implements LifecycleObserver {
  constructor(private readonly queues: QueueClient) {}

  async onTransition(c: ConsultationModel): Promise<void> {
    if (c.status === 'COMPLETED') await this.enqueue(c.requestIdx);
  }

  /** Also used by the cleanup cycle for completed rooms whose job was never queued (a crash in between). */
  async enqueue(requestIdx: number): Promise<void> {
    // A job that used up its attempts keeps its id; retry it instead of adding a duplicate that BullMQ would drop.
    const jobId = jobSpec(QUEUE_NAMES.consultationArchive, 'archive').options({ requestIdx }).jobId!;
    const existing = await this.queues.queue(QUEUE_NAMES.consultationArchive).getJob(jobId);
    if (existing && (await existing.isFailed())) {
      await existing.retry('failed');
      return;
    }
    await this.queues.enqueue(QUEUE_NAMES.consultationArchive, 'archive', { requestIdx });
  }
}
