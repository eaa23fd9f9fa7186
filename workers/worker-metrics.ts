import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ChatMessage } from '../protocol/chat-message';
import { collectProcessMetrics } from '../lib/runtime/process-metrics';

/** Worker series (names are what dashboards/ and alert rules use; bounded labels only). */
export class WorkerMetrics {
  readonly queueJobs: Gauge<'queue' | 'state'>;
  readonly jobDuration: Histogram<'queue' | 'name' | 'outcome'>;
  private readonly persistLag: Histogram;
  private readonly persistedMessages: Counter;
  readonly archives: Counter<'outcome'>;
  readonly backupRooms: Counter<'result'>;
  readonly backupCycleSeconds: Histogram;
  readonly autoClosed: Counter<'reason'>;
  readonly warnings: Counter;
  readonly cleanup: Counter<'kind'>;
  readonly pushes: Counter<'status'>;
  readonly retentionPurged: Counter;
  readonly retentionFailed: Counter;
  readonly retentionPending: Gauge;
  readonly erasures: Counter<'outcome'>;

  constructor(readonly registry: Registry) {
    collectProcessMetrics(registry, 'oh_worker_');
    const r = [registry];
    this.queueJobs = new Gauge({ name: 'oh_queue_jobs', help: 'Jobs per queue and state', labelNames: ['queue', 'state'], registers: r });
    this.jobDuration = new Histogram({
      name: 'oh_job_duration_seconds',
      help: 'Job processing time',
      labelNames: ['queue', 'name', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    });
    this.persistLag = new Histogram({
      name: 'oh_persist_lag_seconds',
      help: 'From a message being accepted (RECEIPT) to its row being committed in PostgreSQL',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    });
    this.persistedMessages = new Counter({ name: 'oh_persisted_messages_total', help: 'Messages committed to PostgreSQL', registers: r });
    this.archives = new Counter({ name: 'oh_archives_total', help: 'Archive job outcomes', labelNames: ['outcome'], registers: r });
    this.backupRooms = new Counter({ name: 'oh_backup_rooms_total', help: 'Backup cycle rooms by result', labelNames: ['result'], registers: r });
    this.backupCycleSeconds = new Histogram({
      name: 'oh_backup_cycle_seconds',
      help: 'Backup cycle duration',
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300],
      registers: r,
    });
    this.autoClosed = new Counter({ name: 'oh_auto_closed_total', help: 'Consultations ended by the scheduler', labelNames: ['reason'], registers: r });
    this.warnings = new Counter({ name: 'oh_auto_close_warnings_total', help: 'Max-duration warnings sent', registers: r });
    this.cleanup = new Counter({ name: 'oh_cleanup_removed_total', help: 'Items removed by the cleanup cycle', labelNames: ['kind'], registers: r });
    this.pushes = new Counter({ name: 'oh_push_notifications_total', help: 'Push delivery outcomes per token', labelNames: ['status'], registers: r });
    this.retentionPurged = new Counter({ name: 'oh_retention_purged_total', help: 'Consultations purged under RETENTION_DAYS', registers: r });
    this.retentionFailed = new Counter({ name: 'oh_retention_failed_total', help: 'Purges that failed (retried next run)', registers: r });
    this.retentionPending = new Gauge({ name: 'oh_retention_pending', help: 'Consultations past retention not purged yet (after the last run)', registers: r });
    this.erasures = new Counter({ name: 'oh_erasures_total', help: 'Erasure job outcomes', labelNames: ['outcome'], registers: r });
    for (const outcome of ['erased', 'nothing-requested', 'failed']) this.erasures.inc({ outcome }, 0);
    for (const outcome of ['archived', 'already-archived', 'not-completed', 'failed', 'unrecoverable']) this.archives.inc({ outcome }, 0);
  }

  onCommitted(messages: readonly ChatMessage[], committedAtMs: number): void {
    for (const m of messages) this.persistLag.observe(Math.max(0, (committedAtMs - Date.parse(m.sentAt)) / 1000));
    this.persistedMessages.inc(messages.length);
  }
}
