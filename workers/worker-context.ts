import type { Agent } from 'node:http';
import { ArchiveScheduler } from '../lib/archive/archive-scheduler';
import { ConsultationArchiver } from '../lib/archive/consultation-archiver';
import type { Sealer } from '../lib/archive/sealer';
import { ChatPersister } from '../lib/chat/persistence/chat-persister';
import { PERSIST_WINDOW_MS, PersistDrains } from '../lib/chat/persistence/persist-drain';
import { ConsultationScans } from '../lib/consultation/consultation-scans';
import type { Logger } from '../lib/logging/logger';
import { AutoCloseScan } from '../lib/maintenance/auto-close-scan';
import type { BackupCycle } from '../lib/maintenance/backup-cycle';
import { buildBackupCycle } from '../lib/runtime/backup-composition';
import { CleanupCycle } from '../lib/maintenance/cleanup-cycle';
import { ChatPushTrigger } from '../lib/push/chat-push-trigger';
import { FcmPushSender } from '../lib/push/fcm-push-sender';
import { PushDelivery } from '../lib/push/push-delivery';
import { PersistShards } from '../lib/queues/persist-shards';
import { createRedis } from '../lib/redis/redis-client';
import type { CoreServices } from '../lib/runtime/core-services';
import type { WorkerMetrics } from './worker-metrics';
import { RetentionPurge } from '../lib/data-office/retention-purge';
import { SealedCopies } from '../lib/data-office/sealed-copies';
import { UserErasure } from '../lib/data-office/user-erasure';

/** What the worker role runs jobs with, built from the shared core once at start (nothing bound late). */
export interface WorkerContext {
  readonly persister: ChatPersister;
  /** The shards' drains (persist-shard jobs run them). */
  readonly drains: PersistDrains;
  readonly shards: PersistShards;
  readonly archiver: ConsultationArchiver;
  readonly backup: BackupCycle;
  readonly autoClose: AutoCloseScan;
  readonly cleanup: CleanupCycle;
  readonly pushDelivery: PushDelivery;
  readonly purge: RetentionPurge;
  readonly erasure: UserErasure;
}

/** Committed messages feed the persistence metrics and the chat push trigger (rows actually inserted only). */
function buildPersistence(core: CoreServices, metrics: WorkerMetrics, log: Logger): Pick<WorkerContext, 'persister' | 'drains' | 'shards'> {
  const { config, hotLog } = core;
  const chatPushes = new ChatPushTrigger({
    redis: core.redis,
    keys: core.keys,
    rooms: core.rooms,
    presence: core.presence,
    queues: core.queues,
    windowMs: config.push.collapseWindowMs,
    log,
  });
  const persister = new ChatPersister({
    index: hotLog.persistIndex,
    commit: hotLog.commit,
    rebuilder: hotLog.rebuilder,
    observer: {
      onCommitted: (messages, at) => {
        metrics.onCommitted(messages, at);
        chatPushes.onMessages(messages).catch((err: unknown) => log.warn({ err }, 'chat push trigger failed'));
      },
    },
  });
  const drains = new PersistDrains({
    persister,
    index: hotLog.persistIndex,
    openBlocking: () => createRedis(config, 'workers-persist-drain', { forBullWorker: true, log }),
    windowMs: PERSIST_WINDOW_MS,
    // Only a lost wake token needs this look: it bounds how long one can delay a room's commit.
    idleCheckSec: 5,
  });
  return { persister, drains, shards: new PersistShards(core.queues) };
}

/** Retention and erasure: the audit trail records what they did. */
function buildDataOffice(core: CoreServices, sealer: Sealer, persister: ChatPersister, log: Logger): Pick<WorkerContext, 'purge' | 'erasure'> {
  const { config, hotLog } = core;
  const { audit } = core;
  const copies = new SealedCopies({
    consultations: core.consultations,
    messages: hotLog.chatMessages,
    store: core.store,
    sealer,
    keyring: core.keyring,
    timeZone: config.archiveTimezone,
  });
  return {
    purge: new RetentionPurge({ knex: core.knex, owners: core.dataOwners, store: core.store, chatLog: hotLog.chatLog, audit, settings: config.retention, log }),
    erasure: new UserErasure({
      knex: core.knex,
      owners: core.dataOwners,
      redis: core.redis,
      keys: core.keys,
      lifecycle: core.lifecycle,
      events: core.events,
      persister,
      chatLog: hotLog.chatLog,
      copies,
      audit,
      log,
    }),
  };
}

export function buildWorkerContext(core: CoreServices, deps: { sealer: Sealer; metrics: WorkerMetrics; log: Logger; fcmHttpAgent?: Agent }): WorkerContext {
  const { config, hotLog } = core;
  const { sealer, metrics, log } = deps;
  const persistence = buildPersistence(core, metrics, log);
  const { persister } = persistence;
  const sender = config.fcmCredentials ? new FcmPushSender(config.fcmCredentials, deps.fcmHttpAgent) : undefined;
  if (!sender) log.warn('FCM_CREDENTIALS is not set: push notifications are logged as SKIPPED');
  const archiveDeps = {
    consultations: core.consultations,
    messages: hotLog.chatMessages,
    persister,
    chatLog: hotLog.chatLog,
    store: core.store,
    sealer,
    keyring: core.keyring,
    redis: core.redis,
    keys: core.keys,
  };
  const scans = new ConsultationScans(core.knex);
  return {
    ...persistence,
    ...buildDataOffice(core, sealer, persister, log),
    archiver: new ConsultationArchiver({ ...archiveDeps, timeZone: config.archiveTimezone, maxObjectBytes: config.archiveMaxBytes, log }),
    backup: buildBackupCycle(core, sealer, log),
    autoClose: new AutoCloseScan({
      scans,
      consultations: core.consultations,
      lifecycle: core.lifecycle,
      events: core.events,
      chatLog: core.hotLog.chatLog,
      settings: config.autoClose,
      log,
      warningListener: core.pushes,
    }),
    cleanup: new CleanupCycle({
      scans,
      chatLog: hotLog.chatLog,
      persister,
      archives: new ArchiveScheduler(core.queues),
      redis: core.redis,
      keys: core.keys,
      store: core.store,
      tempRetentionMs: config.tempRetentionMs,
      log,
    }),
    pushDelivery: new PushDelivery({
      sender,
      tokens: core.deviceTokens,
      log: core.notifications,
      presence: core.presence,
      scheduler: core.pushes,
      messages: hotLog.chatMessages,
      redis: core.redis,
      keys: core.keys,
      chatLog: hotLog.chatLog,
      includeContent: config.push.includeContent,
      onOutcome: (status) => metrics.pushes.inc({ status }),
    }),
  };
}
