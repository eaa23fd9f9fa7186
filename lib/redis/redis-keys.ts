/**
 * Every Redis key and pub/sub channel this project owns, built from one prefix (REDIS_PREFIX).
 * BullMQ queues live under `{prefix}:bull:{queue}` (see queues/queue-names.ts).
 *
 * Redis Cluster: every key of a room carries the room as a hash tag (`oh:chat:room:{42}`), so all of a
 * room's keys, its persistence marks and its event channel share one slot, and each script or MULTI touches
 * one slot (test/redis-key-slots.test.ts checks what the code really sends). Cross-room structures are
 * split per shard (`persistPending`) or per user (`userChannel`, `presence`) and never meet a room key in
 * one command. Channels are sharded (SPUBLISH/SSUBSCRIBE): a room's events are published by the node that
 * holds the room.
 */
export interface RedisKeys {
  readonly prefix: string;
  /** CONTRACT §6: the room's hot log, a list of message JSON in seq order. */
  chatRoom(requestIdx: number): string;
  /** Hash: `seq` (last assigned), `base` (seqs up to it live in PostgreSQL only), `lease` (highest seq PostgreSQL
   *  reserved for this state), `dd` (dedupe entries), `epoch`, `lastActivityMs`, `ttlAt` (when the TTLs were last refreshed), and per sender
   *  the chat.send token bucket (`bt:{userId}`, `bs:{userId}`). See chat/lua/hot-log-state.lua and chat-append.lua. */
  chatMeta(requestIdx: number): string;
  /** Hash: `{senderId}\u0000{clientMsgId}` → seq, for idempotent sends. */
  chatDedupe(requestIdx: number): string;
  /** String (8 KiB bitmap): a Bloom filter of the ids trimmed from `chatDedupe` (chat/lua/trimmed-id-filter.lua). */
  chatDedupeFilter(requestIdx: number): string;
  /** Set while a consultation is no longer open for chat: the append script refuses messages. */
  chatClosed(requestIdx: number): string;
  /** The four keys hot-log-state.lua verifies, in its order: list, meta, dedupe, persistence marks (one slot). */
  roomStateKeys(requestIdx: number): string[];
  /** Hash of the room's persistence marks: `pending` (newest seq appended), `committed` (last seq known in PostgreSQL). */
  persistMarks(requestIdx: number): string;
  /** Sorted set per shard: rooms with messages not yet confirmed in PostgreSQL (score = newest seq); an index, the marks decide. */
  persistPending(shard: number): string;
  /** List per shard (same slot as its index): one token each time a room enters the index; the shard's drain blocks on it. */
  persistWake(shard: number): string;
  /** Prefix of the shared rate-limit counters (rate-limiter-flexible adds entry and key). */
  rateLimitPrefix(): string;
  /** Sharded channel of a room's CHAT events, published by the append script (so in seq order), one per line. */
  roomEvents(requestIdx: number): string;
  /** Sharded channel of one user's other events (READ, STATUS, WARNING, TYPING). */
  userChannel(userId: string): string;
  /** Which room's or user's channel this is (the inverse of `roomEvents` and `userChannel`), else undefined. */
  parseChannel(channel: string): { kind: 'room'; requestIdx: number } | { kind: 'user'; userId: string } | undefined;
  /** Sharded channel of lifecycle domain events, for any process that wants them. */
  consultationEvents(): string;
  /** Sharded channel every gateway follows: a user id whose access was revoked (an erasure accepted or done). */
  accessRevoked(): string;
  /** Sorted set of gateway sessions of a user (member = sessionId, score = expiry ms): presence. */
  presence(userId: string): string;
  /** String (JSON): the room's temp snapshot chain as the last backup cycle left it: chain id, last seq, segments (see maintenance/backup-cycle.ts). */
  backupSnapshotSeq(requestIdx: number): string;
  /** A named lock (one maintenance cycle at a time across processes). */
  lock(name: string): string;
  /** Set while chat pushes for (room, user) are being collapsed; `pushCount` holds the window's message count. */
  pushCollapse(requestIdx: number, userId: string): string;
  pushCount(requestIdx: number, userId: string): string;
  /**
   * A SockJS HTTP session id (gateway/sockjs): `<gateway id> <generation>` while a gateway runs it, or
   * `closed <generation> <frame>` for a while after it ended. The generation, drawn when the session opened,
   * names that one life of the id in the keys below, so a later session on the same id matches none of them.
   */
  sockjsOwner(sessionId: string): string;
  /** List of SockJS frames queued for one session's next receiving request (served by any gateway). */
  sockjsOutbox(sessionId: string, generation: string): string;
  /** Set while a receiving request holds the session (one at a time; a second gets `c[2010,…]`). */
  sockjsReceiver(sessionId: string, generation: string): string;
  /** Sharded channel: frames were queued in the session's outbox. */
  sockjsWake(sessionId: string, generation: string): string;
  /** Sharded channel of one gateway: `xhr_send` bodies from other gateways for sessions it runs. */
  sockjsInbound(gatewayId: string): string;
  /** SCAN patterns matching every room list, and every room's persistence marks. */
  chatRoomPattern(): string;
  persistMarksPattern(): string;
}

/**
 * Persistence is sharded by room so several workers can commit in parallel: one long-lived drain job per
 * shard (the PM2 layout's two workers take one each).
 */
export const PERSIST_SHARDS = 2;
export const persistShardOf = (requestIdx: number) => requestIdx % PERSIST_SHARDS;

/** A field of a room's dedupe hash (`chatDedupe`): one per sender and clientMsgId. */
export const dedupeField = (senderId: string, clientMsgId: string) => `${senderId}\u0000${clientMsgId}`;

/** The room a room-slot key (`…:{42}`) belongs to, or undefined. */
export function roomOfKey(key: string): number | undefined {
  const m = /\{(\d+)\}$/.exec(key);
  const id = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export function createRedisKeys(prefix: string): RedisKeys {
  const room = (kind: string) => (id: number) => `${prefix}:${kind}:{${id}}`;
  const chatRoom = room('chat:room');
  const chatMeta = room('chat:meta');
  const chatDedupe = room('chat:dedupe');
  const persistMarks = room('persist:marks');
  const roomChannel = `${prefix}:chat:events:{`;
  const userChannel = `${prefix}:user:{`;
  return {
    prefix,
    chatRoom,
    chatMeta,
    chatDedupe,
    chatDedupeFilter: room('chat:dedupe-filter'),
    chatClosed: room('chat:closed'),
    persistMarks,
    roomStateKeys: (id) => [chatRoom(id), chatMeta(id), chatDedupe(id), persistMarks(id)],
    persistPending: (shard) => `${prefix}:persist:pending:{shard-${shard}}`,
    persistWake: (shard) => `${prefix}:persist:wake:{shard-${shard}}`,
    rateLimitPrefix: () => `${prefix}:rl:`,
    roomEvents: (id) => `${roomChannel}${id}}`,
    userChannel: (userId) => `${userChannel}${userId}}`,
    parseChannel: (channel) => {
      if (!channel.endsWith('}')) return undefined;
      if (channel.startsWith(roomChannel)) {
        const requestIdx = roomOfKey(channel);
        return requestIdx === undefined ? undefined : { kind: 'room', requestIdx };
      }
      if (channel.startsWith(userChannel)) return { kind: 'user', userId: channel.slice(userChannel.length, -1) };
      return undefined;
    },
    consultationEvents: () => `${prefix}:events:{consultation}`,
    accessRevoked: () => `${prefix}:events:{access-revoked}`,
    presence: (userId) => `${prefix}:presence:{${userId}}`,
    backupSnapshotSeq: room('backup:snapshot-seq'),
    lock: (name) => `${prefix}:lock:${name}`,
    pushCollapse: (id, userId) => `${prefix}:push:collapse:{${id}:${userId}}`,
    pushCount: (id, userId) => `${prefix}:push:count:{${id}:${userId}}`,
    sockjsOwner: (sid) => `${prefix}:sockjs:owner:{${sid}}`,
    sockjsOutbox: (sid, gen) => `${prefix}:sockjs:outbox:{${sid}}:${gen}`,
    sockjsReceiver: (sid, gen) => `${prefix}:sockjs:receiver:{${sid}}:${gen}`,
    sockjsWake: (sid, gen) => `${prefix}:sockjs:wake:{${sid}}:${gen}`,
    sockjsInbound: (gatewayId) => `${prefix}:sockjs:inbound:{${gatewayId}}`,
    chatRoomPattern: () => `${prefix}:chat:room:*`,
    persistMarksPattern: () => `${prefix}:persist:marks:*`,
  };
}
