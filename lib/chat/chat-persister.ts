import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';
import type { RedisKeys } from '../redis/redis-keys';
import { defineScripts, readLua } from '../redis/lua-scripts';
import { PERSIST_SHARDS, persistShardOf } from './chat-log';
import type { ChatMessage } from './chat-message';
import type { ChatMessageRepository } from './chat-message-repository';

const SCRIPTS = { ohPersistAck: readLua(__dirname, 'persist-ack') };
type ScriptedRedis = Redis & { ohPersistAck(...args: (string | number)[]): Promise<number> };

const ROOMS_PER_ROUND = 200;
const ROWS_PER_INSERT = 1000;

export interface PersistObserver {
  /** Messages just committed (some may have been committed before by a concurrent run). */
  onCommitted(messages: readonly ChatMessage[], committedAtMs: number): void;
  onLost(requestIdx: number, count: number): void;
}

/**
 * Moves receipted messages from the Redis hot log into PostgreSQL. The pending set says which rooms
 * have uncommitted messages; inserts are idempotent, so a crash, a retry or two workers on the same
 * room never duplicate a row, and the pending mark is cleared only after the commit.
 */
export class ChatPersister {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly messages: ChatMessageRepository,
    private readonly log: Logger,
    private readonly observer?: PersistObserver,
  ) {
    defineScripts(redis, SCRIPTS);
    this.redis = redis as ScriptedRedis;
  }

  /** Commits every pending room of a shard, round after round, until the shard is empty; returns rows written. */
  async persistShard(shard: number, maxRounds = 50): Promise<number> {
    let written = 0;
    for (let round = 0; round < maxRounds; round++) {
      const flat = await this.redis.zrange(this.keys.persistPending(shard), '0', String(ROOMS_PER_ROUND - 1), 'WITHSCORES');
      if (flat.length === 0) break;
      const rooms: { requestIdx: number; newest: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) rooms.push({ requestIdx: Number(flat[i]), newest: Number(flat[i + 1]) });
      written += await this.persistRooms(rooms);
    }
    return written;
  }

  /** Commits one room's pending messages now (the archive does this before reading PostgreSQL). */
  async persistRoom(requestIdx: number): Promise<void> {
    const score = await this.redis.zscore(this.keys.persistPending(persistShardOf(requestIdx)), String(requestIdx));
    if (score !== null) await this.persistRooms([{ requestIdx, newest: Number(score) }]);
  }

  /** Shards that have pending rooms (the sweep wakes these). */
  async pendingShards(): Promise<number[]> {
    const pipeline = this.redis.pipeline();
    for (let s = 0; s < PERSIST_SHARDS; s++) pipeline.zcard(this.keys.persistPending(s));
    const counts = (await pipeline.exec()) ?? [];
    return counts.flatMap(([, n], s) => (Number(n) > 0 ? [s] : []));
  }

  private async persistRooms(rooms: { requestIdx: number; newest: number }[]): Promise<number> {
    const committedRaw = await this.redis.hmget(this.keys.persistCommitted(), ...rooms.map((r) => String(r.requestIdx)));
    const reads = this.redis.pipeline();
    rooms.forEach((r, i) => reads.lrange(this.keys.chatRoom(r.requestIdx), Number(committedRaw[i] ?? 0), r.newest - 1));
    const results = (await reads.exec()) ?? [];
    const batch: ChatMessage[] = [];
    rooms.forEach((r, i) => {
      const raw = (results[i]?.[1] as string[] | undefined) ?? [];
      const expected = r.newest - Number(committedRaw[i] ?? 0);
      if (raw.length < expected) {
        // The hot log is gone (Redis flushed or restarted without persistence): these are lost.
        this.log.error({ requestIdx: r.requestIdx, missing: expected - raw.length }, 'receipted messages missing from Redis before commit');
        this.observer?.onLost(r.requestIdx, expected - raw.length);
      }
      for (const json of raw) batch.push(JSON.parse(json) as ChatMessage);
    });
    let written = 0;
    for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) written += await this.messages.insertMany(batch.slice(i, i + ROWS_PER_INSERT));
    if (batch.length) this.observer?.onCommitted(batch, Date.now());
    const acks = this.redis.pipeline() as unknown as ScriptedRedis & { exec(): Promise<unknown> };
    for (const r of rooms) acks.ohPersistAck(2, this.keys.persistPending(persistShardOf(r.requestIdx)), this.keys.persistCommitted(), r.requestIdx, r.newest);
    await acks.exec();
    return written;
  }
}
