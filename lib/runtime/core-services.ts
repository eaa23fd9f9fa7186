import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { ActivityRecorder } from '../chat/activity-recorder';
import { ChatCloseObserver } from '../chat/chat-close-observer';
import { ChatLog } from '../chat/chat-log';
import { ChatMessageRepository } from '../chat/chat-message-repository';
import { ChatService, type ReceiptAfter } from '../chat/chat-service';
import { CommitBatcher } from '../chat/commit-batcher';
import { DurabilityMetrics } from '../chat/durability-observer';
import { DurableCommit } from '../chat/durable-commit';
import { HotLogRebuilder } from '../chat/hot-log-rebuilder';
import { RoomMessages } from '../chat/room-messages';
import { SeqLease } from '../chat/seq-lease';
import { SeqReservations } from '../chat/seq-reservations';
import { Registry } from 'prom-client';
import { RoomDirectory } from '../chat/room-directory';
import type { AppConfig } from '../config/config';
import { ConsultationLifecycle, type LifecycleObserver } from '../consultation/consultation-lifecycle';
import { ConsultationRepository } from '../consultation/consultation-repository';
import { createKnex } from '../db/knex-client';
import { EventPublisher } from '../events/event-publisher';
import { JwtVerifier } from '../identity/jwt-verifier';
import type { Logger } from '../logging/logger';
import { createRedis } from '../redis/redis-client';
import { createRedisKeys, type RedisKeys } from '../redis/redis-keys';
import { UserDirectory } from '../users/user-directory';
import { ArchiveScheduler } from '../archive/archive-scheduler';
import { resolveArchiveKeyring } from '../archive/archive-keyring';
import { ChatPersister, type PersistObserver } from '../chat/chat-persister';
import type { ArchiveKeyring } from '../config/config';
import { PersistWakeups } from '../queues/persist-wakeups';
import { QueueClient } from '../queues/queue-client';
import { ObjectStore } from '../storage/object-store';
import { DeviceTokenRepository } from '../push/device-token-repository';
import { NotificationLog } from '../push/notification-log';
import { Presence } from '../push/presence';
import { PushScheduler } from '../push/push-scheduler';

/** The clients and domain services every role builds once at start and passes down. */
export interface CoreServices {
  readonly config: AppConfig;
  readonly knex: Knex;
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly verifier: JwtVerifier;
  readonly users: UserDirectory;
  readonly consultations: ConsultationRepository;
  readonly events: EventPublisher;
  readonly lifecycle: ConsultationLifecycle;
  readonly chatLog: ChatLog;
  readonly chatMessages: ChatMessageRepository;
  readonly rooms: RoomDirectory;
  readonly activity: ActivityRecorder;
  readonly chat: ChatService;
  readonly roomMessages: RoomMessages;
  readonly rebuilder: HotLogRebuilder;
  /** The process's metrics registry (the durability series are registered in it). */
  readonly registry: Registry;
  readonly queues: QueueClient;
  readonly persister: ChatPersister;
  readonly store: ObjectStore;
  readonly keyring: ArchiveKeyring;
  readonly presence: Presence;
  readonly pushes: PushScheduler;
  readonly deviceTokens: DeviceTokenRepository;
  readonly notifications: NotificationLog;
  close(): Promise<void>;
}

export function buildCoreServices(
  config: AppConfig,
  role: string,
  log: Logger,
  options: { observers?: LifecycleObserver[]; persistObserver?: PersistObserver; registry?: Registry } = {},
): CoreServices {
  const knex = createKnex(config.databaseUrl);
  const redis = createRedis(config.redisUrl, role, { log });
  const keys = createRedisKeys(config.redisPrefix);
  const users = new UserDirectory(knex);
  const consultations = new ConsultationRepository(knex);
  const events = new EventPublisher(redis, keys);
  const chatLog = new ChatLog(redis, keys, config.chat.ttlMs, {
    sendRatePerSec: config.chat.sendRatePerSec,
    sendBurst: config.chat.sendBurst,
    maxLogMessages: config.chat.maxLogMessages,
    maxLogBytes: config.chat.maxLogBytes,
  });
  const chatMessages = new ChatMessageRepository(knex);
  const rooms = new RoomDirectory(consultations);
  const queues = new QueueClient(redis, config.redisPrefix);
  const wakeups = new PersistWakeups(queues, log);
  const pushes = new PushScheduler(queues);
  const lifecycle = new ConsultationLifecycle(consultations, users, events, [
    new ChatCloseObserver(chatLog),
    new ArchiveScheduler(queues),
    pushes,
    ...(options.observers ?? []),
  ]);
  // Flush activity well inside the idle threshold so an active room never looks idle to auto-close.
  const activity = new ActivityRecorder(consultations, log, Math.max(50, Math.min(5000, Math.floor(config.autoClose.inactiveMs / 4))));
  activity.start();
  const registry = options.registry ?? new Registry();
  const durability = new DurabilityMetrics(registry);
  const reservations = new SeqReservations(knex);
  const commit = new DurableCommit(chatMessages, reservations, chatLog, log, durability);
  const rebuilder = new HotLogRebuilder({ redis, keys, chatLog, messages: chatMessages, reservations, commit, observer: durability, log });
  const roomMessages = new RoomMessages(chatLog, chatMessages, rebuilder);
  const chat = new ChatService({
    rooms,
    chatLog,
    roomMessages,
    rebuilder,
    lease: new SeqLease({ redis, keys, chatLog, reservations, log }),
    durable: chatMessages,
    lifecycle,
    events,
    activity,
    maxMessageChars: config.chat.maxMessageChars,
    receiptAfter: config.chat.receiptAfter as ReceiptAfter,
    batcher: new CommitBatcher(commit),
    onAppended: (id) => wakeups.notify(id),
  });
  const store = new ObjectStore({
    endpoint: config.s3.endpoint ?? `http://127.0.0.1:${config.s3.embeddedPort}`,
    accessKey: config.s3.accessKey,
    secretKey: config.s3.secretKey,
    bucket: config.s3.bucket,
  });
  return {
    config,
    knex,
    redis,
    keys,
    verifier: new JwtVerifier(config.jwt),
    users,
    consultations,
    events,
    lifecycle,
    chatLog,
    chatMessages,
    rooms,
    activity,
    chat,
    roomMessages,
    rebuilder,
    registry,
    queues,
    persister: new ChatPersister({ redis, keys, chatLog, commit, rebuilder, observer: options.persistObserver }),
    store,
    keyring: resolveArchiveKeyring(config),
    presence: new Presence(redis, keys, config.push.presenceTtlMs, config.chat.maxSessionsPerUser),
    pushes,
    deviceTokens: new DeviceTokenRepository(knex),
    notifications: new NotificationLog(knex),
    async close() {
      await activity.stop();
      await queues.close();
      await Promise.allSettled([knex.destroy(), redis.quit()]);
    },
  };
}
