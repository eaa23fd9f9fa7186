import { UnrecoverableError } from 'bullmq';
import type { ConsultationArchiver } from '../../lib/archive/consultation-archiver';
import type { QueueHandlers } from '../job-runner';
import type { WorkerMetrics } from '../worker-metrics';

/**
 * consultation-archive: one archive per COMPLETED consultation; failures retry with backoff, except those a
 * retry cannot fix (UnrecoverableError: too large, does not read back identically), which fail at once,
 * are counted as `unrecoverable` (an alert) and stay visible as failed jobs in Bull Board.
 */
export function consultationArchiveHandlers(archiver: ConsultationArchiver, metrics: WorkerMetrics): QueueHandlers<'consultation-archive'> {
  return {
    archive: async ({ requestIdx }) => {
      try {
        const outcome = await archiver.archive(requestIdx);
        metrics.archives.inc({ outcome });
        return { outcome };
      } catch (err) {
        metrics.archives.inc({ outcome: err instanceof UnrecoverableError ? 'unrecoverable' : 'failed' });
        throw err;
      }
    },
  };
}
