import type { Redis } from 'ioredis';
import { dedupeField, persistShardOf, type RedisKeys } from '../redis/redis-keys';
import { readLua, readLuaWithPrelude, withScripts, type ScriptCommand } from '../redis/lua-scripts';
import type { ChatMessage } from './chat-message';

const withState = (name: string) => readLuaWithPrelude(__dirname, 'hot-log-state', name);
const SCRIPTS = {
  ohChatAppend: withState('chat-append'),
  ohChatRead: withState('chat-read'),
  ohChatInspect: withState('chat-inspect'),
  ohChatRebuild: readLua(__dirname, 'chat-rebuild'),
  ohChatLease: readLua(__dirname, 'chat-lease'),
  ohEpochSet: readLua(__dirname, 'epoch-set'),
};

type Args = (string | number)[];
type ChatScripts = {
  ohChatAppend: ScriptCommand<[number, number, number]>;
  ohChatRead: ScriptCommand<(number | string)[]>;
  ohChatInspect: ScriptCommand<(number | string)[]>;
  ohChatRebuild: ScriptCommand<number>;
  ohChatLease: ScriptCommand<number>;
  ohEpochSet: ScriptCommand<number>;
};

export type AppendOutcome =
  | { kind: 'appended'; seq: number; lease: number }
  | { kind: 'duplicate'; seq: number }
  | { kind: 'invalid' }
  | { kind: 'lease-exhausted'; seq: number; lease: number }
  | { kind: 'rate-limited' }
  /** Appended, but answered across a reconnection (maybe by another server): the room is invalidated, the caller retries. */
  | { kind: 'uncertain' }
  | { kind: 'log-full' }
  | { kind: 'closed' };

/** Checked inside the append script, so they cost no extra round trip. */
export interface AppendLimits {
  readonly sendRatePerSec: number;
  readonly sendBurst: number;
  readonly maxLogMessages: number;
  readonly maxLogBytes: number;
}

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

/** What chat-append.lua's status code means. */
function appendOutcome(status: number, seq: number, lease: number): AppendOutcome {
  switch (status) {
    case 1:
      return { kind: 'appended', seq, lease };
    case 0:
      return { kind: 'duplicate', seq };
    case -3:
      return { kind: 'lease-exhausted', seq, lease };
    case -4:
      return { kind: 'rate-limited' };
    case -5:
      return { kind: 'log-full' };
    case -2:
      return { kind: 'closed' };
    default:
      return { kind: 'invalid' };
  }
}

/**
 * The room's hot log in Redis (CONTRACT §6), a self-checking cache of PostgreSQL: every append and read
 * first verifies that the room's keys agree (hot-log-state.lua) and reports `invalid` otherwise, so the
 * caller rebuilds the room from PostgreSQL (HotLogRebuilder) instead of trusting drifted state.
 */
export class ChatLog {
  private readonly redis: Redis & ChatScripts;
  /**
   * Pending from a disconnection until this process has recorded the incarnation of the server it reached
   * again: until then no hot-log script runs, so a server restored from an older snapshot (or a lagging
   * replica promoted) cannot pass a stale room as valid under the old epoch.
   */
  private epochFence: Promise<void> | undefined;
  private lowerFence: (() => void) | undefined;
  /** Counts disconnections: an append sent before one and answered after it may have run on a stale server. */
  private connectionGeneration = 0;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlMs: number,
    private readonly limits: AppendLimits,
  ) {
    this.redis = withScripts<ChatScripts>(redis, SCRIPTS);
    this.raiseFence();
    redis.on('close', () => {
      this.connectionGeneration++;
      this.raiseFence();
    });
    const checkEpoch = () => void this.refreshEpoch().catch(() => undefined).finally(() => this.lowerFence?.());
    redis.on('ready', checkEpoch);
    if (redis.status === 'ready') checkEpoch();
  }

  private raiseFence(): void {
    if (this.epochFence) return;
    this.epochFence = new Promise((resolve) => {
      this.lowerFence = () => {
        this.epochFence = undefined;
        this.lowerFence = undefined;
        resolve();
      };
    });
  }

  /** Sets the epoch key to the server's run id; true when it changed (every room then rebuilds once). */
  async refreshEpoch(): Promise<boolean> {
    const info = await this.redis.info('server');
    const runId = /run_id:([0-9a-f]+)/.exec(info)?.[1];
    if (!runId) throw new Error('Redis INFO has no run_id');
    return (await this.redis.ohEpochSet(1, this.keys.chatEpoch(), runId)) === 1;
  }

  private roomKeys(id: number): string[] {
    const k = this.keys;
    return [k.chatRoom(id), k.chatMeta(id), k.chatDedupe(id), k.persistPending(persistShardOf(id)), k.persistCommitted(), k.chatEpoch()];
  }

  async append(message: Omit<ChatMessage, 'seq'>, peerId: string, nowMs: number): Promise<AppendOutcome> {
    // Awaited only while fenced, so appends are otherwise sent in call order without an extra turn.
    if (this.epochFence) await this.epochFence;
    const id = message.requestIdx;
    // The seq is spliced in by the script, so the JSON is built here once, in contract field order.
    const head = `{"requestIdx":${id},"seq":`;
    const tail = `,${JSON.stringify({
      messageId: message.messageId,
      senderId: message.senderId,
      senderRole: message.senderRole,
      content: message.content,
      sentAt: message.sentAt,
      clientMsgId: message.clientMsgId,
    }).slice(1)}`;
    const k = this.keys;
    const l = this.limits;
    const generation = this.connectionGeneration;
    const [status, seq, lease] = await this.redis.ohChatAppend(
      10,
      k.chatRoom(id),
      k.chatMeta(id),
      k.chatDedupe(id),
      k.chatClosed(id),
      k.persistPending(persistShardOf(id)),
      k.persistCommitted(),
      k.chatEpoch(),
      k.userChannel(message.senderId),
      k.userChannel(peerId),
      k.sendBucket(message.senderId),
      dedupeField(message.senderId, message.clientMsgId),
      this.ttlMs,
      head,
      tail,
      id,
      nowMs,
      l.sendRatePerSec,
      l.sendBurst,
      l.maxLogMessages,
      l.maxLogBytes,
      Buffer.byteLength(message.content),
    );
    if (status === 1 && generation !== this.connectionGeneration) {
      // ioredis sent it again after reconnecting, before this process could check the server's epoch.
      await this.invalidate(id);
      return { kind: 'uncertain' };
    }
    return appendOutcome(status, seq, lease);
  }

  async isLoaded(requestIdx: number): Promise<boolean> {
    return (await this.redis.exists(this.keys.chatMeta(requestIdx))) === 1;
  }

  /** Messages with seq in (max(afterSeq, base), …], at most `limit`, after verifying the room. */
  async read(requestIdx: number, afterSeq: number, limit: number): Promise<ReadOutcome> {
    if (this.epochFence) await this.epochFence;
    const out = await this.redis.ohChatRead(6, ...this.roomKeys(requestIdx), requestIdx, afterSeq, limit);
    if (Number(out[0]) !== 1) return { kind: 'invalid' };
    return { kind: 'ok', base: Number(out[1]), seq: Number(out[2]), raw: out.slice(3) as string[] };
  }

  /** undefined when the room verifies after all; else what is left of it. */
  async inspect(requestIdx: number): Promise<RoomRemains | undefined> {
    if (this.epochFence) await this.epochFence;
    const out = await this.redis.ohChatInspect(6, ...this.roomKeys(requestIdx), requestIdx);
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

  /** Resets the room to "all up to seq is in PostgreSQL" with the given lease and dedupe entries (see chat-rebuild.lua). */
  async rebuild(requestIdx: number, seq: number, lease: number, contentBytes: number, dedupe: readonly { senderId: string; clientMsgId: string; seq: number }[]): Promise<void> {
    const args: Args = [];
    for (const d of dedupe) args.push(dedupeField(d.senderId, d.clientMsgId), d.seq);
    for (let attempt = 0; attempt < 2; attempt++) {
      if ((await this.redis.ohChatRebuild(6, ...this.roomKeys(requestIdx), requestIdx, seq, lease, this.ttlMs, contentBytes, ...args)) === 1) return;
      await this.refreshEpoch();
    }
    throw new Error('hot-log epoch is missing');
  }

  /** The room's current seq and lease, as the lease extension reads them. */
  async leaseState(requestIdx: number): Promise<{ seq: number; lease: number } | undefined> {
    const [seq, lease] = await this.redis.hmget(this.keys.chatMeta(requestIdx), 'seq', 'lease');
    return seq === null || lease === null ? undefined : { seq: Number(seq), lease: Number(lease) };
  }

  /** Raises the lease from `from` to `to`; false when the room moved on meanwhile. */
  async setLease(requestIdx: number, from: number, to: number): Promise<boolean> {
    return (await this.redis.ohChatLease(1, this.keys.chatMeta(requestIdx), from, to)) === 1;
  }

  /** Makes the room fail verification, so its next use rebuilds it from PostgreSQL. */
  async invalidate(requestIdx: number): Promise<void> {
    await this.redis.hdel(this.keys.chatMeta(requestIdx), 'epoch');
  }

  /** Marks a room closed for chat (terminal status) so appends racing the end are refused. */
  async markClosed(requestIdx: number): Promise<void> {
    await this.redis.set(this.keys.chatClosed(requestIdx), '1', 'PX', this.ttlMs);
  }

  /** Drops the room's hot log and its persistence bookkeeping (after the archive is safe). */
  async remove(requestIdx: number): Promise<void> {
    const k = this.keys;
    await this.redis
      .multi()
      .unlink(k.chatRoom(requestIdx), k.chatMeta(requestIdx), k.chatDedupe(requestIdx))
      .hdel(k.persistCommitted(), String(requestIdx))
      .hdel(k.backupSnapshotSeq(), String(requestIdx))
      .zrem(k.persistPending(persistShardOf(requestIdx)), String(requestIdx))
      .exec();
  }
}
