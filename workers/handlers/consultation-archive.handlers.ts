import type { ConsultationArchiver } from '../../lib/archive/consultation-archiver';
import type { QueueHandlers } from '../job-runner';
import type { WorkerMetrics } from '../worker-metrics';

/** consultation-archive: one archive per COMPLETED consultation; failures retry with backoff. */
export function consultationArchiveHandlers(archiver: ConsultationArchiver, metrics: WorkerMetrics): QueueHandlers<'consultation-archive'> {
  return {
    archive: async ({ requestIdx }) => {
      try {
        const outcome = await archiver.archive(requestIdx);
        metrics.archives.inc({ outcome });
        return { outcome };
      } catch (err) {
        metrics.archives.inc({ outcome: 'failed' });
        throw err;
      }
    },
  };
}
