import type { Agent } from 'node:http';
import type { Worker } from 'bullmq';
import { Registry } from 'prom-client';
import type { Sealer } from '../lib/archive/sealer';
import type { AppConfig } from '../lib/config/config';
import type { Logger } from '../lib/logging/logger';
import { createRedis } from '../lib/redis/redis-client';
import { PERSIST_SHARDS } from '../lib/redis/redis-keys';
import { drainShards } from '../lib/queues/job-table';
import { QUEUE_NAMES } from '../lib/queues/queue-names';
import { buildCoreServices, type CoreServices } from '../lib/runtime/core-services';
import { chatPersistHandlers } from './handlers/chat-persist.handlers';
import { consultationArchiveHandlers } from './handlers/consultation-archive.handlers';
import { dataOfficeHandlers } from './handlers/data-office.handlers';
import { maintenanceHandlers } from './handlers/maintenance.handlers';
import { pushNotifyHandlers } from './handlers/push-notify.handlers';
import { startQueueWorkers, type HandlerTable, type QueueSettings } from './job-runner';
import { upsertJobSchedulers } from './job-schedulers';
import { startMetricsServer } from './metrics-server';
import { startQueueStats } from './queue-stats';
import { SealPool } from './seal-pool';
import { buildWorkerContext, type WorkerContext } from './worker-context';
import { WorkerMetrics } from './worker-metrics';
import type { QueueName } from '../lib/queues/queue-names';

export interface RunningWorkers {
  readonly core: CoreServices;
  readonly context: WorkerContext;
  readonly metrics: WorkerMetrics;
  readonly metricsPort: number;
  /** Finishes active jobs, then stops. */
  close(): Promise<void>;
}

const QUEUE_SETTINGS: { [Q in QueueName]: QueueSettings } = {
  // Each shard's drain is a job that runs as long as its worker: a short lock (renewed every 1.25 s) and a
  // check every second let a live worker take a dead worker's shard within about a second of being up.
  'chat-persist': { concurrency: PERSIST_SHARDS + 2, lockDurationMs: 2_500, stalledIntervalMs: 1_000, maxStalledCount: 1_000_000 },
  'consultation-archive': { concurrency: 2 },
  // Erasures of different people may run together; the purge is single through its lock.
  'data-office': { concurrency: 2, lockDurationMs: 60_000 },
  // The three cycles must not wait behind each other; locks keep each one single.
  maintenance: { concurrency: 3, lockDurationMs: 60_000 },
  'push-notify': { concurrency: 8 },
};

function handlerTable(core: CoreServices, ctx: WorkerContext, metrics: WorkerMetrics, log: Logger): HandlerTable {
  return {
    'chat-persist': chatPersistHandlers({ drains: ctx.drains, index: core.hotLog.persistIndex, shards: ctx.shards }),
    'consultation-archive': consultationArchiveHandlers(ctx.archiver, metrics),
    maintenance: maintenanceHandlers({ backup: ctx.backup, autoClose: ctx.autoClose, cleanup: ctx.cleanup, redis: core.redis, keys: core.keys, metrics, log }),
    'data-office': dataOfficeHandlers({ purge: ctx.purge, erasure: ctx.erasure, queues: core.queues, redis: core.redis, keys: core.keys, metrics, log }),
    'push-notify': pushNotifyHandlers(ctx.pushDelivery),
  };
}

/** Assembles the worker role: every queue's Worker, the schedulers, the seal pool and /metrics. */
export async function startWorkers(
  config: AppConfig,
  log: Logger,
  options: { sealer?: Sealer; metricsPort?: number; fcmHttpAgent?: Agent } = {},
): Promise<RunningWorkers> {
  const metrics = new WorkerMetrics(new Registry());
  const core = buildCoreServices(config, 'workers', log, { registry: metrics.registry });
  const pool = options.sealer ? undefined : new SealPool();
  const context = buildWorkerContext(core, { sealer: options.sealer ?? pool!, metrics, log, fcmHttpAgent: options.fcmHttpAgent });
  const bullConnection = createRedis(config, 'workers-bull', { forBullWorker: true, log });
  await core.store.ensureBucket();

  const workers: Worker[] = startQueueWorkers(handlerTable(core, context, metrics, log), QUEUE_SETTINGS, {
    connection: bullConnection,
    redisPrefix: config.redisPrefix,
    log,
    metrics,
    retry: config.queueRetry,
  });
  // A drain whose job lost its lock (a Redis that restarted empty, or a worker stalled past the lock) stops, and
  // its shard gets a job again at once: the job that took its place, or a new one.
  const persistWorker = workers.find((w) => w.name === QUEUE_NAMES.chatPersist)!;
  persistWorker.on('lockRenewalFailed', (jobIds: string[]) => {
    for (const shard of drainShards(jobIds)) context.drains.release(shard);
    context.shards.ensureDrains().catch((err: unknown) => log.warn({ err }, 'persist drain jobs could not be added'));
  });
  await upsertJobSchedulers(core.queues, config);
  await context.shards.ensureDrains();
  // Upserts are idempotent; repeating them restores the schedules if Redis lost them (restart without persistence).
  // A lost drain job comes back through its lock failure (above) or the sweep.
  const resched = () => void upsertJobSchedulers(core.queues, config).catch((err: unknown) => log.warn({ err: String(err) }, 'job scheduler upsert failed'));
  const reschedule = setInterval(resched, 60_000);
  reschedule.unref();
  // Redis back after a loss: the schedules (and a drain per shard) return at once, not at the next interval.
  bullConnection.on('ready', () => {
    resched();
    context.shards.ensureDrains().catch((err: unknown) => log.warn({ err: String(err) }, 'persist drain jobs could not be added'));
  });
  const stopStats = startQueueStats(core.queues, metrics);
  const server = await startMetricsServer(metrics.registry, config.host, options.metricsPort ?? config.workerMetricsPort);
  log.info({ metricsPort: server.port, queues: workers.map((w) => w.name), sealThreads: pool?.threads }, 'workers started');

  return {
    core,
    context,
    metrics,
    metricsPort: server.port,
    async close() {
      clearInterval(reschedule);
      stopStats();
      context.drains.stop(); // the drains hand their shards back to wait, so Worker.close does not wait on them
      await Promise.all(workers.map((w) => w.close()));
      await server.close();
      await pool?.close();
      await bullConnection.quit().catch(() => undefined);
      await core.close();
    },
  };
}
