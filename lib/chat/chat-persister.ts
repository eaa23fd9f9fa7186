import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys';
import { readLua, withScripts, type ScriptCommand } from '../redis/lua-scripts';
import { PERSIST_SHARDS, persistShardOf } from '../redis/redis-keys';
import type { ChatLog } from './chat-log';
import type { ChatMessage } from './chat-message';
import type { DurableCommit } from './durable-commit';
import type { HotLogRebuilder } from './hot-log-rebuilder';

const SCRIPTS = { ohPersistAck: readLua(__dirname, 'persist-ack') };
type PersistScripts = { ohPersistAck: ScriptCommand<number> };
type ScriptedRedis = Redis & PersistScripts;

const ROOMS_PER_ROUND = 200;

export interface PersistObserver {
  /** Rows this run inserted (a row committed earlier by a retry or another writer is not counted again). */
  onCommitted(messages: readonly ChatMessage[], committedAtMs: number): void;
}

/**
 * Moves receipted messages from the Redis hot log into PostgreSQL. The pending set says which rooms
 * have uncommitted messages; each room's slice is read through verification, written through
 * DurableCommit (which proves every row stored), and only then acknowledged. A room that fails
 * verification is rebuilt instead (the rebuild commits what is left and counts what is lost), so a range
 * is never marked committed that was not written.
 */
export class ChatPersister {
  private readonly redis: ScriptedRedis;

  constructor(
    private readonly d: {
      redis: Redis;
      keys: RedisKeys;
      chatLog: ChatLog;
      commit: DurableCommit;
      rebuilder: HotLogRebuilder;
      observer?: PersistObserver;
    },
  ) {
    this.redis = withScripts<PersistScripts>(d.redis, SCRIPTS);
  }

  /** Commits every pending room of a shard, round after round, until the shard is empty; returns rows written. */
  async persistShard(shard: number, maxRounds = 50): Promise<number> {
    let written = 0;
    for (let round = 0; round < maxRounds; round++) {
      const flat = await this.redis.zrange(this.d.keys.persistPending(shard), '0', String(ROOMS_PER_ROUND - 1), 'WITHSCORES');
      if (flat.length === 0) break;
      const rooms: { requestIdx: number; newest: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) rooms.push({ requestIdx: Number(flat[i]), newest: Number(flat[i + 1]) });
      written += await this.persistRooms(rooms);
    }
    return written;
  }

  /** Commits one room's pending messages now (the archive does this before reading PostgreSQL). */
  async persistRoom(requestIdx: number): Promise<void> {
    const score = await this.redis.zscore(this.d.keys.persistPending(persistShardOf(requestIdx)), String(requestIdx));
    if (score !== null) await this.persistRooms([{ requestIdx, newest: Number(score) }]);
  }

  /** Shards that have pending rooms (the sweep wakes these). */
  async pendingShards(): Promise<number[]> {
    const pipeline = this.redis.pipeline();
    for (let s = 0; s < PERSIST_SHARDS; s++) pipeline.zcard(this.d.keys.persistPending(s));
    const counts = (await pipeline.exec()) ?? [];
    return counts.flatMap(([, n], s) => (Number(n) > 0 ? [s] : []));
  }

  private async persistRooms(rooms: { requestIdx: number; newest: number }[]): Promise<number> {
    const k = this.d.keys;
    const committedRaw = await this.redis.hmget(k.persistCommitted(), ...rooms.map((r) => String(r.requestIdx)));
    const reads = await Promise.all(
      rooms.map((r, i) => {
        const after = Number(committedRaw[i] ?? 0);
        return this.d.chatLog.read(r.requestIdx, after, Math.max(0, r.newest - after));
      }),
    );
    const batch: ChatMessage[] = [];
    const acks: { requestIdx: number; newest: number }[] = [];
    for (let i = 0; i < rooms.length; i++) {
      const r = rooms[i]!;
      const read = reads[i]!;
      if (read.kind === 'invalid') {
        // The rebuild commits whatever is left, counts what is lost and moves the marks past it.
        await this.d.rebuilder.rebuild(r.requestIdx, 'persist');
        continue;
      }
      for (const raw of read.raw) {
        const m = JSON.parse(raw) as ChatMessage;
        if (m.seq <= r.newest) batch.push(m);
      }
      acks.push(r);
    }
    const { inserted } = await this.d.commit.commit(batch);
    if (inserted.length) this.d.observer?.onCommitted(inserted, Date.now());
    const ackPipeline = this.redis.pipeline() as unknown as ScriptedRedis & { exec(): Promise<unknown> };
    for (const r of acks) ackPipeline.ohPersistAck(2, k.persistPending(persistShardOf(r.requestIdx)), k.persistCommitted(), r.requestIdx, r.newest);
    await ackPipeline.exec();
    return inserted.length;
  }
}
