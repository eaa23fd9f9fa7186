import type { LifecycleObserver } from '../consultation/consultation-lifecycle';
import type { ConsultationModel } from '../consultation/consultation.model';
import type { QueueClient } from '../queues/queue-client';
import { QUEUE_NAMES } from '../queues/queue-names';

/** Queues the archive job when a consultation becomes COMPLETED; the job id makes a second end a no-op. */
export class ArchiveScheduler implements LifecycleObserver {
  constructor(private readonly queues: QueueClient) {}

  async onTransition(c: ConsultationModel): Promise<void> {
    if (c.status !== 'COMPLETED') return;
    await this.queues.add(QUEUE_NAMES.consultationArchive, 'archive', { requestIdx: c.requestIdx }, {
      jobId: `archive-${c.requestIdx}`,
      attempts: 20,
      backoff: { type: 'custom' },
      removeOnComplete: 1000,
      removeOnFail: 5000,
    });
  }
}
