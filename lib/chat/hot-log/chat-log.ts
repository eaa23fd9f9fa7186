import type { Redis } from 'ioredis';
import { dedupeField, type RedisKeys } from '../../redis/redis-keys';
import { withScripts, type ScriptCommand } from '../../redis/lua-scripts';
import { ROOM_SCRIPTS } from '../room-scripts';
import type { ChatMessage } from '../../../protocol/chat-message';
import type { RebuildState } from '../persistence/chat-message-repository';
import type { AppendOutcome } from '../send/append-outcome';
import { HotLogAppends, type HotLogAppendsDeps } from '../send/hot-log-appends';

const SCRIPTS = {
  ohChatRead: { lua: ROOM_SCRIPTS.read, keys: 4 },
  ohChatInspect: { lua: ROOM_SCRIPTS.inspect, keys: 4 },
  ohChatRebuild: { lua: ROOM_SCRIPTS.rebuild, keys: 5 },
  ohChatLease: { lua: ROOM_SCRIPTS.lease, keys: 1 },
};

type Args = (string | number)[];
type ChatScripts = {
  ohChatRead: ScriptCommand<(number | string)[]>;
  ohChatInspect: ScriptCommand<(number | string)[]>;
  ohChatRebuild: ScriptCommand<number>;
  ohChatLease: ScriptCommand<number>;
};

/** A verified read: `base` (seqs up to it are in PostgreSQL only), the last seq, and raw JSON after max(afterSeq, base). */
export type ReadOutcome = { kind: 'invalid' } | { kind: 'ok'; base: number; seq: number; raw: string[] };

/** What is left of a room that failed verification (see chat-inspect.lua); -1 = the meta field is gone. */
export interface RoomRemains {
  metaSeq: number;
  metaBase: number;
  committed: number;
  pending: number;
  /** The meta was written in this Redis incarnation and not invalidated: metaSeq and the marks are exact. */
  sameEpoch: boolean;
  raw: string[];
}

export type ChatLogDeps = HotLogAppendsDeps;

/**
 * The room's hot log in Redis (CONTRACT §6), a self-checking cache of PostgreSQL: every append and read
 * first verifies that the room's keys agree (hot-log-state.lua) and reports `invalid` otherwise, so the
 * caller rebuilds the room from PostgreSQL (HotLogRebuilder) instead of trusting drifted state.
 */
export class ChatLog {
  private readonly redis: Redis & ChatScripts;
  private readonly keys: RedisKeys;
  private readonly appends: HotLogAppends;

  constructor(private readonly d: ChatLogDeps) {
    this.redis = withScripts<ChatScripts>(d.redis, SCRIPTS);
    this.keys = d.keys;
    this.appends = new HotLogAppends(d);
  }

  /**
   * Appends a message. The messages of one room that arrive in the same event-loop turn go to Redis in one
   * script call, in call order (see HotLogAppends).
   */
  append(message: Omit<ChatMessage, 'seq'>, nowMs: number): Promise<AppendOutcome> {
    return this.appends.append(message, nowMs);
  }

  /** Messages with seq in (max(afterSeq, base), …], at most `limit`, after verifying the room. */
  async read(requestIdx: number, afterSeq: number, limit: number): Promise<ReadOutcome> {
    const out = await this.redis.ohChatRead(...this.keys.roomStateKeys(requestIdx), afterSeq, limit);
    if (Number(out[0]) !== 1) return { kind: 'invalid' };
    return { kind: 'ok', base: Number(out[1]), seq: Number(out[2]), raw: out.slice(3) as string[] };
  }

  /** The room's last seq, from a verified log only; undefined when the room is not in Redis or does not verify. */
  async verifiedSeq(requestIdx: number): Promise<number | undefined> {
    const r = await this.read(requestIdx, Number.MAX_SAFE_INTEGER, 0);
    return r.kind === 'ok' ? r.seq : undefined;
  }

  /** The room's newest message from a verified log; undefined when it is not there (read PostgreSQL instead). */
  async latest(requestIdx: number): Promise<string | undefined> {
    const seq = await this.verifiedSeq(requestIdx);
    if (!seq) return undefined;
    const r = await this.read(requestIdx, seq - 1, 1);
    return r.kind === 'ok' ? r.raw[0] : undefined;
  }

  /**
   * When the room last had chat activity (epoch ms; 0 when unknown). A hint, read without verification: the
   * append stamps it on every send, and a lost or stale stamp only defers to PostgreSQL's own (older) one.
   */
  async activityStamp(requestIdx: number): Promise<number> {
    return Number((await this.redis.hget(this.keys.chatMeta(requestIdx), 'lastActivityMs')) ?? 0);
  }

  /** undefined when the room verifies after all; else what is left of it. */
  async inspect(requestIdx: number): Promise<RoomRemains | undefined> {
    const out = await this.redis.ohChatInspect(...this.keys.roomStateKeys(requestIdx));
    if (Number(out[0]) === 1) return undefined;
    return {
      metaSeq: Number(out[1]),
      metaBase: Number(out[2]),
      committed: Number(out[3]),
      pending: Number(out[4]),
      sameEpoch: Number(out[5]) === 1,
      raw: out.slice(6) as string[],
    };
  }

  /** Resets the room to "all up to seq is in PostgreSQL" with the given lease and dedupe window (see chat-rebuild.lua). */
  async rebuild(requestIdx: number, seq: number, lease: number, state: RebuildState): Promise<void> {
    const args: Args = [];
    for (const d of state.dedupe) args.push(dedupeField(d.senderId, d.clientMsgId), d.seq);
    await this.redis.ohChatRebuild(
      ...this.keys.roomStateKeys(requestIdx),
      this.keys.chatDedupeFilter(requestIdx),
      seq,
      lease,
      this.d.ttlMs,
      state.contentBytes,
      state.messages,
      state.dedupeBase,
      ...args,
    );
  }

  /** The room's current seq and lease, as the lease extension reads them. */
  async leaseState(requestIdx: number): Promise<{ seq: number; lease: number } | undefined> {
    const [seq, lease] = await this.redis.hmget(this.keys.chatMeta(requestIdx), 'seq', 'lease');
    return seq === null || lease === null ? undefined : { seq: Number(seq), lease: Number(lease) };
  }

  /** Raises the lease from `from` to `to`; false when the room moved on meanwhile. */
  async setLease(requestIdx: number, from: number, to: number): Promise<boolean> {
    return (await this.redis.ohChatLease(this.keys.chatMeta(requestIdx), from, to)) === 1;
  }

  /** Makes the room fail verification, so its next use rebuilds it from PostgreSQL. */
  async invalidate(requestIdx: number): Promise<void> {
    await this.redis.hdel(this.keys.chatMeta(requestIdx), 'epoch');
  }

  /** Marks a room closed for chat (terminal status) so appends racing the end are refused. */
  async markClosed(requestIdx: number): Promise<void> {
    await this.redis.set(this.keys.chatClosed(requestIdx), '1', 'PX', this.d.ttlMs);
  }

  /** Drops the room's hot log and its persistence bookkeeping (after the archive is safe). */
  async remove(requestIdx: number): Promise<void> {
    const k = this.keys;
    const id = requestIdx;
    await this.redis.unlink(k.chatRoom(id), k.chatMeta(id), k.chatDedupe(id), k.chatDedupeFilter(id), k.persistMarks(id), k.backupSnapshotSeq(id));
    await this.d.persistIndex.remove(id);
  }
}
