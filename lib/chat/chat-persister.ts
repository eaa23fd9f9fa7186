import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys';
import { readLua, withScripts, type ScriptCommand } from '../redis/lua-scripts';
import { scanKeys } from '../redis/redis-client';
import { PERSIST_SHARDS, persistShardOf, roomOfKey } from '../redis/redis-keys';
import type { ChatLog } from './chat-log';
import type { ChatMessage } from './chat-message';
import type { DurableCommit } from './durable-commit';
import type { HotLogRebuilder } from './hot-log-rebuilder';

const SCRIPTS = { ohPersistAck: { lua: readLua(__dirname, 'persist-ack'), keys: 3 }, ohPersistUnindex: { lua: readLua(__dirname, 'persist-unindex'), keys: 1 } };
type PersistScripts = { ohPersistAck: ScriptCommand<number>; ohPersistUnindex: ScriptCommand<number> };
type ScriptedRedis = Redis & PersistScripts;

const ROOMS_PER_ROUND = 200;
/** Most messages of one room per round: a long backlog is committed over several rounds, memory stays bounded. */
const MESSAGES_PER_ROOM = 5000;
/**
 * Messages a room's hot log keeps once committed: enough for every reconnect's sync and a busy room's
 * recent history to be served from Redis; older ones are read from PostgreSQL. Bounds Redis memory and
 * the length of any list read per room.
 */
const HOT_TAIL_MESSAGES = 1000;

export interface PersistObserver {
  /** Rows this run inserted (a row committed earlier by a retry or another writer is not counted again). */
  onCommitted(messages: readonly ChatMessage[], committedAtMs: number): void;
}

/**
 * Moves receipted messages from the Redis hot log into PostgreSQL. Each room's marks (in its slot) say
 * what is appended and what is committed; a per-shard index lists the rooms to visit. Each room's slice
 * is read through verification, written through DurableCommit (which proves every row stored), and only
 * then acknowledged. A room that fails
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
      /** The hot log's TTL: the marks never outlive the room by more. */
      ttlMs: number;
      commit: DurableCommit;
      rebuilder: HotLogRebuilder;
      observer?: PersistObserver;
      /** Most messages read of one room per round (MESSAGES_PER_ROOM). */
      messagesPerRoom?: number;
      /** Committed messages a room's hot log keeps (HOT_TAIL_MESSAGES). */
      hotTail?: number;
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
    for (let before = -1; ; ) {
      const [committed, pending] = await this.marks(requestIdx);
      if (pending <= committed || committed === before) return; // done, or no progress (a rebuild settles it)
      before = committed;
      await this.persistRooms([{ requestIdx, newest: pending }]);
    }
  }

  /** Shards that have pending rooms (the sweep wakes these). */
  async pendingShards(): Promise<number[]> {
    const counts = await Promise.all(Array.from({ length: PERSIST_SHARDS }, (_, s) => this.redis.zcard(this.d.keys.persistPending(s))));
    return counts.flatMap((n, s) => (n > 0 ? [s] : []));
  }

  /**
   * Puts back into the index every room whose marks say pending but which is not listed (its appending
   * process died between the append and the index write); returns how many. Visits every master.
   */
  async reindexPending(): Promise<number> {
    let found = 0;
    for await (const keys of scanKeys(this.redis, this.d.keys.persistMarksPattern())) {
      const ids = keys.map(roomOfKey).filter((id): id is number => id !== undefined);
      const marks = await Promise.all(ids.map((id) => this.marks(id)));
      await Promise.all(
        ids.map(async (id, i) => {
          const [committed, pending] = marks[i]!;
          if (pending <= committed) return;
          found += (await this.redis.zadd(this.d.keys.persistPending(persistShardOf(id)), 'NX', pending, String(id))) ? 1 : 0;
        }),
      );
    }
    return found;
  }

  private async marks(requestIdx: number): Promise<[committed: number, pending: number]> {
    const [committed, pending] = await this.redis.hmget(this.d.keys.persistMarks(requestIdx), 'committed', 'pending');
    return [Number(committed ?? 0), Number(pending ?? 0)];
  }

  /**
   * One round over rooms of one shard: read each room's uncommitted slice (with its committed mark, one
   * call per room), commit them together, ack each room's marks (trimming its hot log to the tail), then
   * take the rooms off the index in one call.
   */
  private async persistRooms(rooms: { requestIdx: number; newest: number }[]): Promise<number> {
    const k = this.d.keys;
    const cap = this.d.messagesPerRoom ?? MESSAGES_PER_ROOM;
    const reads = await Promise.all(rooms.map((r) => this.d.chatLog.readUncommitted(r.requestIdx, r.newest, cap)));
    const batch: ChatMessage[] = [];
    const acks: { requestIdx: number; newest: number }[] = [];
    const rebuilt: { requestIdx: number; newest: number }[] = [];
    for (let i = 0; i < rooms.length; i++) {
      const r = rooms[i]!;
      const read = reads[i]!;
      if (read.kind === 'invalid') {
        // The rebuild commits whatever is left, counts what is lost and moves the marks past it.
        await this.d.rebuilder.rebuild(r.requestIdx, 'persist');
        rebuilt.push(r);
        continue;
      }
      let last = read.committed;
      for (const raw of read.raw) {
        const m = JSON.parse(raw) as ChatMessage;
        batch.push(m);
        last = m.seq;
      }
      // Acked up to what was read: a room cut short by the cap keeps its (higher) index score.
      acks.push({ requestIdx: r.requestIdx, newest: read.raw.length < cap ? r.newest : last });
    }
    const { inserted } = await this.d.commit.commit(batch);
    if (inserted.length) this.d.observer?.onCommitted(inserted, Date.now());
    // Marks first (the room's slot), then the index (the shard's): an append in between re-indexes the room
    // with a higher score, which the conditional removal leaves in place.
    const tail = this.d.hotTail ?? HOT_TAIL_MESSAGES;
    await Promise.all(acks.map((r) => this.redis.ohPersistAck(k.chatRoom(r.requestIdx), k.chatMeta(r.requestIdx), k.persistMarks(r.requestIdx), r.newest, this.d.ttlMs, tail)));
    await this.unindex([...rebuilt, ...acks]);
    return inserted.length;
  }

  /** Takes rooms (of one shard) off the index unless an append re-indexed them past `newest` meanwhile. */
  private async unindex(rooms: { requestIdx: number; newest: number }[]): Promise<void> {
    if (rooms.length === 0) return;
    const pairs = rooms.flatMap((r) => [r.requestIdx, r.newest]);
    await this.redis.ohPersistUnindex(this.d.keys.persistPending(persistShardOf(rooms[0]!.requestIdx)), ...pairs);
  }
}
