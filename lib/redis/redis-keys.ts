/**
 * Every Redis key and pub/sub channel this project owns, built from one prefix (REDIS_PREFIX).
 * BullMQ queues live under `{prefix}:bull` (see queues/queue-names.ts).
 */
export interface RedisKeys {
  readonly prefix: string;
  /** CONTRACT §6: the room's hot log, a list of message JSON in seq order. */
  chatRoom(requestIdx: number): string;
  /** Hash: `seq` (last assigned), `base` (seqs up to it live in PostgreSQL only), `lease` (highest seq PostgreSQL
   *  reserved for this state), `dd` (dedupe entries), `epoch`, `lastActivityMs`. See chat/lua/hot-log-state.lua. */
  chatMeta(requestIdx: number): string;
  /** Hash: `{senderId}\u0000{clientMsgId}` → seq, for idempotent sends. */
  chatDedupe(requestIdx: number): string;
  /** Set while a consultation is no longer open for chat: the append script refuses messages. */
  chatClosed(requestIdx: number): string;
  /** Sorted set per shard: rooms with messages not yet confirmed in PostgreSQL (score = newest seq). */
  persistPending(shard: number): string;
  /** Hash: room → last seq known committed to PostgreSQL. */
  persistCommitted(): string;
  /** The Redis incarnation the hot logs were written in (the server's run id). */
  chatEpoch(): string;
  /** Hash: a user's chat.send token bucket (checked inside the append script). */
  sendBucket(userId: string): string;
  /** Prefix of the shared rate-limit counters (rate-limiter-flexible adds entry and key). */
  rateLimitPrefix(): string;
  /** Pub/sub channel of one user's events (CHAT, READ, STATUS, WARNING, TYPING). */
  userChannel(userId: string): string;
  /** Pub/sub channel of lifecycle domain events, for any process that wants them. */
  consultationEvents(): string;
  /** Sorted set of gateway sessions of a user (member = sessionId, score = expiry ms): presence. */
  presence(userId: string): string;
  /** Hash: room → seq of its last uploaded temp snapshot (backup change detection). */
  backupSnapshotSeq(): string;
  /** A named lock (one maintenance cycle at a time across processes). */
  lock(name: string): string;
  /** Set while chat pushes for (room, user) are being collapsed; holds the window's message count too. */
  pushCollapse(requestIdx: number, userId: string): string;
  pushCount(requestIdx: number, userId: string): string;
  /** SCAN pattern matching every room list. */
  chatRoomPattern(): string;
}

/** Persistence is sharded by room so several workers can commit in parallel, one job per shard at a time. */
export const PERSIST_SHARDS = 4;
export const persistShardOf = (requestIdx: number) => requestIdx % PERSIST_SHARDS;

/** A field of a room's dedupe hash (`chatDedupe`): one per sender and clientMsgId. */
export const dedupeField = (senderId: string, clientMsgId: string) => `${senderId}\u0000${clientMsgId}`;

export function createRedisKeys(prefix: string): RedisKeys {
  return {
    prefix,
    chatRoom: (id) => `${prefix}:chat:room:${id}`,
    chatMeta: (id) => `${prefix}:chat:meta:${id}`,
    chatDedupe: (id) => `${prefix}:chat:dedupe:${id}`,
    chatClosed: (id) => `${prefix}:chat:closed:${id}`,
    chatEpoch: () => `${prefix}:chat:epoch`,
    sendBucket: (userId) => `${prefix}:rl:send:${userId}`,
    rateLimitPrefix: () => `${prefix}:rl:`,
    persistPending: (shard) => `${prefix}:persist:pending:${shard}`,
    persistCommitted: () => `${prefix}:persist:committed`,
    userChannel: (userId) => `${prefix}:user:${userId}`,
    consultationEvents: () => `${prefix}:events:consultation`,
    presence: (userId) => `${prefix}:presence:${userId}`,
    backupSnapshotSeq: () => `${prefix}:backup:snapshot-seq`,
    lock: (name) => `${prefix}:lock:${name}`,
    pushCollapse: (id, userId) => `${prefix}:push:collapse:${id}:${userId}`,
    pushCount: (id, userId) => `${prefix}:push:count:${id}:${userId}`,
    chatRoomPattern: () => `${prefix}:chat:room:*`,
  };
}
