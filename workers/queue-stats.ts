import type { QueueClient } from '../lib/queues/queue-client';
import { ALL_QUEUES } from '../lib/queues/queue-names';
import type { WorkerMetrics } from './worker-metrics';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** Polls job counts per queue into the oh_queue_jobs gauge (every worker reports the same shared numbers). */
export function startQueueStats(queues: QueueClient, metrics: WorkerMetrics, intervalMs = 5000): () => void {
  const poll = async () => {
    for (const name of ALL_QUEUES) {
      const counts = await queues.queue(name).getJobCounts(...STATES);
      for (const state of STATES) metrics.queueJobs.set({ queue: name, state }, counts[state] ?? 0);
    }
  };
  void poll().catch(() => undefined);
  const timer = setInterval(() => void poll().catch(() => undefined), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
