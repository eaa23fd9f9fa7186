import type { Agent } from 'node:http';
import { Registry } from 'prom-client';
import { ChatPushTrigger } from '../lib/push/chat-push-trigger';
import { FcmPushSender } from '../lib/push/fcm-push-sender';
import { pushNotifyHandlers } from './handlers/push-notify.handlers';
import type { Worker } from 'bullmq';
import { ArchiveScheduler } from '../lib/archive/archive-scheduler';
import { ConsultationArchiver } from '../lib/archive/consultation-archiver';
import { ConsultationScans } from '../lib/consultation/consultation-scans';
import { AutoCloseScan } from '../lib/maintenance/auto-close-scan';
import { BackupCycle } from '../lib/maintenance/backup-cycle';
import { CleanupCycle } from '../lib/maintenance/cleanup-cycle';
import type { Sealer } from '../lib/archive/sealer';
import type { Logger } from '../lib/logging/logger';
import { PersistWakeups } from '../lib/queues/persist-wakeups';
import { createRedis } from '../lib/redis/redis-client';
import { buildCoreServices, type CoreServices } from '../lib/runtime/core-services';
import type { AppConfig } from '../lib/config/config';
import { chatPersistHandlers } from './handlers/chat-persist.handlers';
import { consultationArchiveHandlers } from './handlers/consultation-archive.handlers';
import { maintenanceHandlers } from './handlers/maintenance.handlers';
import { startQueueWorkers } from './job-runner';
import { upsertJobSchedulers } from './job-schedulers';
import { startMetricsServer } from './metrics-server';
import { startQueueStats } from './queue-stats';
import { SealPool } from './seal-pool';
import { WorkerMetrics } from './worker-metrics';

export interface RunningWorkers {
  readonly core: CoreServices;
  readonly metrics: WorkerMetrics;
  readonly metricsPort: number;
  /** Finishes active jobs, then stops. */
  close(): Promise<void>;
}

/** Assembles the worker role: every queue's Worker, the schedulers, the seal pool and /metrics. */
export async function startWorkers(
  config: AppConfig,
  log: Logger,
  options: { sealer?: Sealer; metricsPort?: number; fcmHttpAgent?: Agent } = {},
): Promise<RunningWorkers> {
  const metrics = new WorkerMetrics(new Registry());
  let chatPushes: ChatPushTrigger | undefined;
  const core = buildCoreServices(config, 'workers', log, {
    persistObserver: {
      onCommitted: (messages, at) => {
        metrics.onCommitted(messages, at);
        chatPushes?.onMessages(messages).catch((err: unknown) => log.warn({ err }, 'chat push trigger failed'));
      },
    },
    registry: metrics.registry,
  });
  chatPushes = new ChatPushTrigger({
    redis: core.redis,
    keys: core.keys,
    rooms: core.rooms,
    presence: core.presence,
    queues: core.queues,
    windowMs: config.push.collapseWindowMs,
    log,
  });
  const sender = config.fcmCredentials ? new FcmPushSender(config.fcmCredentials, options.fcmHttpAgent) : undefined;
  if (!sender) log.warn('FCM_CREDENTIALS is not set: push notifications are logged as SKIPPED');
  const bullConnection = createRedis(config.redisUrl, 'workers-bull', { forBullWorker: true, log });
  const pool = options.sealer ? undefined : new SealPool();
  const sealer = options.sealer ?? pool!;
  await core.store.ensureBucket();

  const wakeups = new PersistWakeups(core.queues, log);
  const archiver = new ConsultationArchiver({
    consultations: core.consultations,
    messages: core.chatMessages,
    persister: core.persister,
    chatLog: core.chatLog,
    store: core.store,
    sealer,
    keyring: core.keyring,
    timeZone: config.archiveTimezone,
    maxObjectBytes: config.archiveMaxBytes,
    log,
  });

  const scans = new ConsultationScans(core.knex);
  const backup = BackupCycle.forCore(core, sealer, log);
  const autoClose = new AutoCloseScan({
    scans,
    consultations: core.consultations,
    lifecycle: core.lifecycle,
    events: core.events,
    redis: core.redis,
    keys: core.keys,
    settings: config.autoClose,
    log,
    warningListener: core.pushes,
  });
  const cleanup = new CleanupCycle({
    scans,
    chatLog: core.chatLog,
    persister: core.persister,
    archives: new ArchiveScheduler(core.queues),
    redis: core.redis,
    keys: core.keys,
    store: core.store,
    tempRetentionMs: config.tempRetentionMs,
    log,
  });

  const workers: Worker[] = startQueueWorkers(
    {
      'chat-persist': chatPersistHandlers(core.persister, wakeups),
      'consultation-archive': consultationArchiveHandlers(archiver, metrics),
      maintenance: maintenanceHandlers({ backup, autoClose, cleanup, redis: core.redis, keys: core.keys, metrics, log }),
      'push-notify': pushNotifyHandlers({
        sender,
        tokens: core.deviceTokens,
        log: core.notifications,
        presence: core.presence,
        scheduler: core.pushes,
        messages: core.chatMessages,
        redis: core.redis,
        keys: core.keys,
        includeContent: config.push.includeContent,
        metrics,
      }),
    },
    {
      'chat-persist': { concurrency: 4, lockDurationMs: 10_000, stalledIntervalMs: 5_000 },
      'consultation-archive': { concurrency: 2 },
      // The three cycles must not wait behind each other; locks keep each one single.
      maintenance: { concurrency: 3, lockDurationMs: 60_000 },
      'push-notify': { concurrency: 8 },
    },
    { connection: bullConnection, redisPrefix: config.redisPrefix, log, metrics, retry: config.queueRetry },
  );
  await upsertJobSchedulers(core.queues, config);
  // Upserts are idempotent; repeating them restores the schedules if Redis lost them (restart without persistence).
  const reschedule = setInterval(() => {
    upsertJobSchedulers(core.queues, config).catch((err: unknown) => log.warn({ err }, 'job scheduler upsert failed'));
  }, 60_000);
  reschedule.unref();
  const stopStats = startQueueStats(core.queues, metrics);
  const server = await startMetricsServer(metrics.registry, config.host, options.metricsPort ?? config.workerMetricsPort);
  log.info({ metricsPort: server.port, queues: workers.map((w) => w.name), sealThreads: pool?.threads }, 'workers started');

  return {
    core,
    metrics,
    metricsPort: server.port,
    async close() {
      clearInterval(reschedule);
      stopStats();
      await Promise.all(workers.map((w) => w.close()));
      await server.close();
      await pool?.close();
      await bullConnection.quit().catch(() => undefined);
      await core.close();
    },
  };
}
