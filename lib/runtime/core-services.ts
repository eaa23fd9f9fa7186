import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { ChatCloseObserver } from '../chat/chat-close-observer';
import { PersistIndex } from '../chat/persistence/persist-index';
import { ChatLog } from '../chat/hot-log/chat-log';
import { ChatMessageRepository } from '../chat/persistence/chat-message-repository';
import { DurabilityMetrics } from '../chat/persistence/durability-observer';
import { DurableCommit } from '../chat/persistence/durable-commit';
import { HotLogRebuilder } from '../chat/hot-log/hot-log-rebuilder';
import { RoomMessages } from '../chat/hot-log/room-messages';
import { SeqReservations } from '../chat/persistence/seq-reservations';
import { Registry } from 'prom-client';
import { RoomDirectory } from '../chat/room-directory';
import type { AppConfig } from '../config/config';
import { ConsultationLifecycle } from '../consultation/consultation-lifecycle';
import { ConsultationRepository } from '../consultation/consultation-repository';
import { createKnex } from '../db/knex-client';
import { EventPublisher } from '../events/event-publisher';
import { JwtVerifier } from '../identity/jwt-verifier';
import type { Logger } from '../logging/logger';
import { createRedis } from '../redis/redis-client';
import { createRedisKeys, type RedisKeys } from '../redis/redis-keys';
import { UserDirectory } from '../users/user-directory';
import { ArchiveRestorer } from '../archive/archive-restorer';
import { ArchiveScheduler } from '../archive/archive-scheduler';
import { resolveArchiveKeyring, type ArchiveKeyring } from '../archive/archive-keyring';
import { QueueClient } from '../queues/queue-client';
import { ObjectStore } from '../storage/object-store';
import { DeviceTokenRepository } from '../push/device-token-repository';
import { NotificationLog } from '../push/notification-log';
import type { DataOwners } from '../data-office/data-owners';
import { Presence } from '../push/presence';
import { PushScheduler } from '../push/push-scheduler';
import { AuditLog } from '../audit/audit-log';
import { ErasureFence } from '../data-office/erasure-fence';

/** The clients and domain services every role shares, built once at a process's start and passed down. */
export interface CoreServices {
  readonly config: AppConfig;
  readonly knex: Knex;
  readonly redis: Redis;
  readonly keys: RedisKeys;
  /** The process's metrics registry (the durability series are registered in it). */
  readonly registry: Registry;
  readonly verifier: JwtVerifier;
  readonly users: UserDirectory;
  readonly consultations: ConsultationRepository;
  readonly events: EventPublisher;
  readonly lifecycle: ConsultationLifecycle;
  readonly rooms: RoomDirectory;
  readonly queues: QueueClient;
  readonly store: ObjectStore;
  readonly keyring: ArchiveKeyring;
  readonly presence: Presence;
  readonly pushes: PushScheduler;
  readonly deviceTokens: DeviceTokenRepository;
  readonly notifications: NotificationLog;
  /** The owners of the tables holding personal data, for retention and erasure. */
  readonly dataOwners: DataOwners;
  /** The append-only audit trail (issue 25). */
  readonly audit: AuditLog;
  /** Refuses a person whose erasure is under way (REST, STOMP CONNECT, chat.sync). */
  readonly erasureFence: ErasureFence;
  readonly hotLog: HotLogServices;
  close(): Promise<void>;
}

/** The self-checking hot log and the durable copy behind it: every role reads and writes chat through these. */
export interface HotLogServices {
  readonly chatLog: ChatLog;
  readonly persistIndex: PersistIndex;
  readonly chatMessages: ChatMessageRepository;
  readonly reservations: SeqReservations;
  readonly commit: DurableCommit;
  readonly rebuilder: HotLogRebuilder;
  readonly roomMessages: RoomMessages;
}

function buildHotLog(config: AppConfig, clients: { knex: Knex; redis: Redis; keys: RedisKeys }, registry: Registry, log: Logger): HotLogServices {
  const { knex, redis, keys } = clients;
  const persistIndex = new PersistIndex(redis, keys, config.chat.ttlMs);
  const { sendRatePerSec, sendBurst, maxLogMessages, maxLogBytes } = config.chat;
  const chatMessages = new ChatMessageRepository(knex);
  const chatLog = new ChatLog({
    redis,
    keys,
    ttlMs: config.chat.ttlMs,
    limits: { sendRatePerSec, sendBurst, maxLogMessages, maxLogBytes },
    persistIndex,
    durable: chatMessages,
  });
  const durability = new DurabilityMetrics(registry);
  const reservations = new SeqReservations(knex);
  const commit = new DurableCommit({ messages: chatMessages, reservations, chatLog, log, observer: durability });
  const rebuilder = new HotLogRebuilder({ redis, keys, chatLog, messages: chatMessages, reservations, commit, observer: durability, log });
  return { chatLog, persistIndex, chatMessages, reservations, commit, rebuilder, roomMessages: new RoomMessages(chatLog, chatMessages, rebuilder) };
}

function buildObjectStore(config: AppConfig): ObjectStore {
  return new ObjectStore({
    endpoint: config.s3.endpoint ?? `http://127.0.0.1:${config.s3.embeddedPort}`,
    accessKey: config.s3.accessKey,
    secretKey: config.s3.secretKey,
    bucket: config.s3.bucket,
  });
}

export function buildCoreServices(config: AppConfig, role: string, log: Logger, options: { registry?: Registry } = {}): CoreServices {
  const knex = createKnex(config.databaseUrl, undefined, log);
  const redis = createRedis(config, role, { log });
  const keys = createRedisKeys(config.redisPrefix);
  const registry = options.registry ?? new Registry();
  const hotLog = buildHotLog(config, { knex, redis, keys }, registry, log);
  const users = new UserDirectory(knex);
  const consultations = new ConsultationRepository(knex);
  const events = new EventPublisher(redis, keys);
  const queueConnection = createRedis(config, `${role}-queues`, { forBullQueues: true, log });
  const queues = new QueueClient(queueConnection, config.redisPrefix, log);
  const pushes = new PushScheduler(queues);
  const audit = new AuditLog(knex);
  const lifecycle = new ConsultationLifecycle(consultations, users, events, audit, [
    new ChatCloseObserver(hotLog.chatLog),
    new ArchiveScheduler(queues),
    pushes,
  ]);
  const deviceTokens = new DeviceTokenRepository(knex);
  const notifications = new NotificationLog(knex);
  return {
    config,
    knex,
    redis,
    keys,
    registry,
    verifier: new JwtVerifier({
      ...config.jwt,
      onKeyError: (kid, err) => log.warn({ kid: kid?.slice(0, 64), err: err.message }, 'JWKS: no signing key for a token'),
    }),
    users,
    consultations,
    events,
    lifecycle,
    rooms: new RoomDirectory(consultations),
    queues,
    store: buildObjectStore(config),
    keyring: resolveArchiveKeyring(config),
    presence: new Presence(redis, keys, config.push.presenceTtlMs, config.chat.maxSessionsPerUser),
    pushes,
    deviceTokens,
    notifications,
    dataOwners: { consultations, messages: hotLog.chatMessages, reservations: hotLog.reservations, notifications, deviceTokens, users },
    audit,
    erasureFence: new ErasureFence(knex),
    hotLog,
    async close() {
      await queues.close();
      await Promise.allSettled([knex.destroy(), redis.quit(), queueConnection.quit()]);
    },
  };
}

/** The disaster-recovery restorer over these services (the restore script, and the tests that drill it). */
export function buildArchiveRestorer(core: CoreServices): ArchiveRestorer {
  return new ArchiveRestorer({
    consultations: core.consultations,
    messages: core.hotLog.chatMessages,
    chatLog: core.hotLog.chatLog,
    rebuilder: core.hotLog.rebuilder,
    store: core.store,
    keyring: core.keyring,
    timeZone: core.config.archiveTimezone,
  });
}
