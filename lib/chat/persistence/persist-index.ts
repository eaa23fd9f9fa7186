import type { Redis } from 'ioredis';
import { withScripts, type ScriptCommand } from '../../redis/lua-scripts';
import { ROOM_SCRIPTS } from '../room-scripts';
import { scanKeys } from '../../redis/redis-client';
import { PERSIST_SHARDS, persistShardOf, roomOfKey, type RedisKeys } from '../../redis/redis-keys';
import { PendingIndexWriter } from './pending-index-writer';

// Read and ack take a room's keys counted, so one call covers one room (a cluster: each room in its slot)
// or a whole round's rooms (one server).
const SCRIPTS = {
  ohPersistIndex: { lua: ROOM_SCRIPTS.persistIndex, keys: 2 },
  ohPersistRead: { lua: ROOM_SCRIPTS.persistRead, keys: 'counted' as const },
  ohPersistAck: { lua: ROOM_SCRIPTS.persistAck, keys: 'counted' as const },
  ohPersistAdvance: { lua: ROOM_SCRIPTS.persistAdvance, keys: 1 },
  ohPersistUnindex: { lua: ROOM_SCRIPTS.persistUnindex, keys: 1 },
};
type IndexScripts = {
  ohPersistIndex: ScriptCommand<number>;
  ohPersistRead: ScriptCommand<(number | string)[]>;
  ohPersistAck: ScriptCommand<number>;
  ohPersistAdvance: ScriptCommand<number>;
  ohPersistUnindex: ScriptCommand<number>;
};

/** A room listed in its shard's index: messages up to `newest` were appended and may not be committed. */
export interface PendingRoom {
  readonly requestIdx: number;
  readonly newest: number;
}

/** What persistence has not committed of a verified room: its committed mark and raw JSON after it. */
export type UncommittedOutcome = { kind: 'invalid' } | { kind: 'ok'; committed: number; raw: string[] };

/** persist-read.lua's flat answer, room by room: -1, or 1, committed, n and n messages. */
function parseReads(out: readonly (number | string)[], rooms: number): UncommittedOutcome[] {
  const reads: UncommittedOutcome[] = [];
  let i = 0;
  for (let r = 0; r < rooms; r++) {
    if (Number(out[i]) !== 1) {
      reads.push({ kind: 'invalid' });
      i++;
      continue;
    }
    const n = Number(out[i + 2]);
    reads.push({ kind: 'ok', committed: Number(out[i + 1]), raw: out.slice(i + 3, i + 3 + n) as string[] });
    i += 3 + n;
  }
  return reads;
}

/**
 * Everything about how persistence finds and settles rooms, in one place, and the one place that knows
 * whether Redis is one server or a cluster (no caller branches on it). Each room's marks (in its slot)
 * say what is appended and what is committed; the marks decide. Per shard, a sorted set lists the rooms to
 * visit (an index, score = newest seq appended) and a wake list gets a token whenever a room enters it, so
 * the shard's drain blocks on Redis instead of polling. On one Redis server the append script writes both
 * (see chat-append.lua) and a round's rooms are read and acked in one call; on a cluster `afterAppend`
 * indexes a turn's rooms right after their appends, and each room is a call of its own (its slot).
 */
export class PersistIndex {
  private readonly redis: Redis & IndexScripts;
  private readonly oneServer: boolean;
  private readonly pendingIndex: PendingIndexWriter | undefined;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    /** The hot log's TTL: the marks never outlive the room by more. */
    private readonly ttlMs: number,
  ) {
    this.redis = withScripts<IndexScripts>(redis, SCRIPTS);
    this.oneServer = !redis.isCluster;
    this.pendingIndex = this.oneServer ? undefined : new PendingIndexWriter(this);
  }

  /** The index keys the append script takes on one server (KEYS[8], KEYS[9]) to index its room itself; none on a cluster. */
  appendKeys(requestIdx: number): string[] {
    if (!this.oneServer) return [];
    const shard = persistShardOf(requestIdx);
    return [this.keys.persistPending(shard), this.keys.persistWake(shard)];
  }

  /** After an append was stored: the room is in its shard's index when this resolves (the RECEIPT waits for it). */
  afterAppend(requestIdx: number, seq: number): Promise<void> {
    return this.pendingIndex ? this.pendingIndex.index(requestIdx, seq) : Promise.resolve();
  }

  /**
   * Which shards one drain loop may serve together (the loop blocks on their wake lists at once): every
   * shard on one server, each shard alone on a cluster (its wake list is in its own slot).
   */
  drainGroupOf(shard: number): string {
    return this.oneServer ? 'all' : `shard-${shard}`;
  }

  /** Rooms that one script call may touch together: a round's all on one server, one each on a cluster. */
  private callGroups<T>(items: readonly T[]): T[][] {
    if (items.length === 0) return [];
    return this.oneServer ? [[...items]] : items.map((i) => [i]);
  }

  /** Lists rooms of one shard (scores only rise) and wakes its drain if one entered (a cluster's path). */
  async index(shard: number, rooms: ReadonlyMap<number, number>): Promise<void> {
    const args: (string | number)[] = [];
    for (const [requestIdx, seq] of rooms) args.push(requestIdx, seq);
    await this.redis.ohPersistIndex(this.keys.persistPending(shard), this.keys.persistWake(shard), ...args);
  }

  /** The oldest-indexed rooms of a shard, at most `max`. */
  async rooms(shard: number, max: number): Promise<PendingRoom[]> {
    const flat = await this.redis.zrange(this.keys.persistPending(shard), '0', String(max - 1), 'WITHSCORES');
    const rooms: PendingRoom[] = [];
    for (let i = 0; i < flat.length; i += 2) rooms.push({ requestIdx: Number(flat[i]), newest: Number(flat[i + 1]) });
    return rooms;
  }

  /** A room's marks: the newest seq appended and the last seq known committed. */
  async marks(requestIdx: number): Promise<{ committed: number; pending: number }> {
    const [committed, pending] = await this.redis.hmget(this.keys.persistMarks(requestIdx), 'committed', 'pending');
    return { committed: Number(committed ?? 0), pending: Number(pending ?? 0) };
  }

  /**
   * Each room's messages after its committed mark up to its `newest`, at most `max` per room, after verifying
   * the room: one script call for the whole round on one server, one per room on a cluster.
   */
  async readUncommitted(rooms: readonly PendingRoom[], max: number): Promise<UncommittedOutcome[]> {
    const groups = this.callGroups(rooms);
    const outs = await Promise.all(
      groups.map(async (g) =>
        parseReads(
          await this.redis.ohPersistRead(g.length * 4, ...g.flatMap((r) => this.keys.roomStateKeys(r.requestIdx)), ...g.map((r) => r.newest), max),
          g.length,
        ),
      ),
    );
    return outs.flat();
  }

  /** Marks rooms committed up to their `newest` and trims their hot logs (and, in steps, dedupe hashes) to `tail` committed messages. */
  async ack(rooms: readonly PendingRoom[], tail: number): Promise<void> {
    const k = this.keys;
    const keysOf = (id: number) => [k.chatRoom(id), k.chatMeta(id), k.persistMarks(id), k.chatDedupe(id), k.chatDedupeFilter(id)];
    await Promise.all(
      this.callGroups(rooms).map((g) =>
        this.redis.ohPersistAck(g.length * 5, ...g.flatMap((r) => keysOf(r.requestIdx)), ...g.map((r) => r.newest), this.ttlMs, tail),
      ),
    );
  }

  /** Moves a room's committed mark over seqs another writer committed, as far as they continue it. */
  async advance(requestIdx: number, seqs: readonly number[]): Promise<void> {
    await this.redis.ohPersistAdvance(this.keys.persistMarks(requestIdx), ...[...seqs].sort((a, b) => a - b));
  }

  /** Takes rooms off their shards' index unless an append re-indexed them past `newest` meanwhile (a call per shard). */
  async unindex(rooms: readonly PendingRoom[]): Promise<void> {
    const pairs = new Map<number, (number | string)[]>();
    for (const r of rooms) {
      const shard = persistShardOf(r.requestIdx);
      const list = pairs.get(shard) ?? [];
      list.push(r.requestIdx, r.newest);
      pairs.set(shard, list);
    }
    await Promise.all([...pairs].map(([shard, list]) => this.redis.ohPersistUnindex(this.keys.persistPending(shard), ...list)));
  }

  /** Drops a room from its index (its hot log is gone: archived or cleaned up). */
  async remove(requestIdx: number): Promise<void> {
    await this.redis.zrem(this.keys.persistPending(persistShardOf(requestIdx)), String(requestIdx));
  }

  /** Shards that have pending rooms. */
  async pendingShards(): Promise<number[]> {
    const counts = await Promise.all(Array.from({ length: PERSIST_SHARDS }, (_, s) => this.redis.zcard(this.keys.persistPending(s))));
    return counts.flatMap((n, s) => (n > 0 ? [s] : []));
  }

  /** Leaves a wake token for a shard's drain. */
  async wake(shard: number): Promise<void> {
    await this.redis.rpush(this.keys.persistWake(shard), 1);
  }

  /** Takes every wake token of the shards: done before reading their index, so a later entry leaves a new one. */
  async takeWakes(shards: readonly number[]): Promise<void> {
    // One server: one DEL for every shard; a cluster: one per shard (each in its slot).
    await Promise.all(this.callGroups(shards).map((g) => this.redis.del(...g.map((s) => this.keys.persistWake(s)))));
  }

  /**
   * Blocks on `blocking` (a connection of its own) until a wake token of one of the shards arrives; false
   * after `timeoutSec`. Several shards only on one Redis server (their wake lists are in different slots).
   */
  async waitForWake(blocking: Redis, shards: readonly number[], timeoutSec: number): Promise<boolean> {
    return (await blocking.blpop(...shards.map((s) => this.keys.persistWake(s)), timeoutSec)) !== null;
  }

  /**
   * Puts back into the index every room whose marks say pending but which is not listed (on a cluster, its
   * appending process died between the append and the index write); returns how many. Visits every
   * master. On one server the append indexes its room itself, so there is nothing to find.
   */
  async reindex(): Promise<number> {
    if (this.oneServer) return 0;
    let found = 0;
    for await (const keys of scanKeys(this.redis, this.keys.persistMarksPattern())) {
      const ids = keys.map(roomOfKey).filter((id): id is number => id !== undefined);
      const marks = await Promise.all(ids.map((id) => this.marks(id)));
      const lost = new Map<number, Map<number, number>>();
      ids.forEach((id, i) => {
        const { committed, pending } = marks[i]!;
        if (pending <= committed) return;
        const shard = persistShardOf(id);
        if (!lost.has(shard)) lost.set(shard, new Map());
        lost.get(shard)!.set(id, pending);
      });
      for (const [shard, rooms] of lost)
        found += await this.redis.ohPersistIndex(this.keys.persistPending(shard), this.keys.persistWake(shard), ...[...rooms].flat());
    }
    return found;
  }
}
