import type { Redis } from 'ioredis';
import { dedupeField, type RedisKeys } from '../../redis/redis-keys';
import { withScripts, type ScriptCommand } from '../../redis/lua-scripts';
import { ROOM_SCRIPTS } from '../room-scripts';
import { TurnBatch } from '../../async/turn-batch';
import { encodeHead, encodeTail, type ChatMessage } from '../../../protocol/chat-message';
import type { PersistIndex } from '../persistence/persist-index';
import type { ChatMessageRepository } from '../persistence/chat-message-repository';
import { appendOutcome, type AppendLimits, type AppendOutcome } from './append-outcome';

// Keys counted: 7 of the room's, and on one Redis server 2 more (the shard's index, written in the same call).
const SCRIPTS = { ohChatAppend: { lua: ROOM_SCRIPTS.append, keys: 'counted' as const } };
type AppendScripts = { ohChatAppend: ScriptCommand<number[]> };

export interface HotLogAppendsDeps {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  /** CHAT_TTL_MS: the list's TTL, restarted by every message. */
  readonly ttlMs: number;
  readonly limits: AppendLimits;
  /** On one Redis server the append indexes its room for persistence in the same call. */
  readonly persistIndex: PersistIndex;
  /** PostgreSQL's answer for ids older than a room's dedupe window (its unique index on sender and clientMsgId). */
  readonly durable: Pick<ChatMessageRepository, 'originalSeqs'>;
}

/** One message waiting for its room's batch of this event-loop turn. */
interface PendingAppend {
  readonly message: Omit<ChatMessage, 'seq'>;
  readonly nowMs: number;
  resolve(outcome: AppendOutcome): void;
  reject(err: unknown): void;
}

/** Most messages in one append script call (a longer turn's worth goes in several, in order). */
const MAX_APPEND_BATCH = 64;
/** chat-append.lua's status for an id older than the dedupe window that PostgreSQL must judge. */
const UNCHECKED = -6;

/** One message's answer from chat-append.lua. */
interface RawOutcome {
  status: number;
  seq: number;
  lease: number;
}

/**
 * Appends to rooms' hot logs (chat-append.lua): a turn's messages of a room in one verifying script call,
 * and ids older than a room's dedupe window that its trimmed-id filter cannot vouch for checked against
 * PostgreSQL first, in order behind the room's earlier checks.
 */
export class HotLogAppends {
  private readonly redis: Redis & AppendScripts;
  /** This turn's appends, in call order. */
  private readonly turnAppends = new TurnBatch<PendingAppend, void>(async (pending) => this.flushAppends(pending));
  private readonly keys: RedisKeys;
  private readonly roomChains = new Map<number, Promise<void>>();

  constructor(private readonly d: HotLogAppendsDeps) {
    this.redis = withScripts<AppendScripts>(d.redis, SCRIPTS);
    this.keys = d.keys;
  }

  /**
   * Appends a message. The messages of one room that arrive in the same event-loop turn go to Redis in one
   * script call, in call order (a busy room's frames, both participants' pipelined sends): the room is
   * verified once per batch instead of once per message.
   */
  append(message: Omit<ChatMessage, 'seq'>, nowMs: number): Promise<AppendOutcome> {
    return new Promise((resolve, reject) => void this.turnAppends.add({ message, nowMs, resolve, reject }));
  }

  private flushAppends(pending: readonly PendingAppend[]): void {
    const rooms = new Map<number, PendingAppend[]>();
    for (const p of pending) {
      const list = rooms.get(p.message.requestIdx);
      if (list) list.push(p);
      else rooms.set(p.message.requestIdx, [p]);
    }
    for (const [id, queued] of rooms) {
      // A room has two participants; chunks also bound the script's size. Chunks of a room are sent in order
      // on one connection (one slot), so Redis runs them in order.
      for (let i = 0; i < queued.length;) {
        const chunk: PendingAppend[] = [];
        const senders: string[] = [];
        for (; i < queued.length && chunk.length < MAX_APPEND_BATCH; i++) {
          const sender = queued[i]!.message.senderId;
          if (!senders.includes(sender)) {
            if (senders.length === 2) break;
            senders.push(sender);
          }
          chunk.push(queued[i]!);
        }
        // Behind the room's PostgreSQL check in flight, if any, so a sender's messages keep their order.
        const done = this.roomChains.has(id)
          ? this.onRoomChain(id, () => this.appendChecking(id, chunk, senders, false))
          : this.appendChecking(id, chunk, senders, true);
        done.then(
          (outcomes) => chunk.forEach((p, j) => p.resolve(outcomes[j]!)),
          (err: unknown) => chunk.forEach((p) => p.reject(err)),
        );
      }
    }
  }

  /**
   * Straight to Redis; ids the script could not judge (-6: older than the room's dedupe window, and not vouched
   * for by its trimmed-id filter) are checked against PostgreSQL, on the room's chain unless already on it.
   */
  private async appendChecking(id: number, chunk: readonly PendingAppend[], senders: readonly string[], chain: boolean): Promise<AppendOutcome[]> {
    const raw = await this.appendBatch(id, chunk, senders, 0);
    const out = raw.map((r) => appendOutcome(r.status, r.seq, r.lease));
    const bounced = chunk.flatMap((_, j) => (raw[j]!.status === UNCHECKED ? [j] : []));
    if (bounced.length === 0) return out;
    const check = () =>
      this.checkedAppend(
        id,
        bounced.map((j) => chunk[j]!),
        senders,
        raw[bounced[0]!]!.lease,
      );
    const checked = await (chain ? this.onRoomChain(id, check) : check());
    bounced.forEach((j, i) => (out[j] = checked[i]!));
    return out;
  }

  /**
   * Answers ids PostgreSQL holds with their original seq (a retry older than the dedupe window: never stored
   * or delivered twice) and appends the others, telling the script the dedupe base seen *before* the lookup:
   * every id trimmed up to it was committed before the lookup, so the lookup saw it. If the base moved
   * meanwhile the script refuses again and the lookup is redone.
   */
  private async checkedAppend(id: number, chunk: readonly PendingAppend[], senders: readonly string[], dedupeBase: number): Promise<AppendOutcome[]> {
    const out: AppendOutcome[] = new Array<AppendOutcome>(chunk.length);
    let todo = chunk.map((_, j) => j);
    let base = dedupeBase;
    while (todo.length) {
      const originals = await this.d.durable.originalSeqs(
        id,
        todo.map((j) => chunk[j]!.message),
      );
      const fresh: number[] = [];
      for (const j of todo) {
        const m = chunk[j]!.message;
        const seq = originals.get(dedupeField(m.senderId, m.clientMsgId));
        if (seq === undefined) fresh.push(j);
        else out[j] = { kind: 'duplicate', seq };
      }
      if (fresh.length === 0) break;
      const raw = await this.appendBatch(
        id,
        fresh.map((j) => chunk[j]!),
        senders,
        base,
      );
      todo = [];
      raw.forEach((r, i) => {
        if (r.status !== UNCHECKED) out[fresh[i]!] = appendOutcome(r.status, r.seq, r.lease);
        else {
          todo.push(fresh[i]!);
          base = r.lease;
        }
      });
    }
    return out;
  }

  /** Runs a room's checked appends one after another, so a room's messages keep their order through the lookups. */
  private onRoomChain<T>(id: number, work: () => Promise<T>): Promise<T> {
    const next = (this.roomChains.get(id) ?? Promise.resolve()).then(work, work);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.roomChains.set(id, tail);
    void tail.then(() => {
      if (this.roomChains.get(id) === tail) this.roomChains.delete(id);
    });
    return next;
  }

  private async appendBatch(id: number, chunk: readonly PendingAppend[], senders: readonly string[], checkedBase: number): Promise<RawOutcome[]> {
    const k = this.keys;
    const l = this.d.limits;
    const indexKeys = this.d.persistIndex.appendKeys(id);
    const args: (string | number)[] = [
      7 + indexKeys.length,
      k.chatRoom(id),
      k.chatMeta(id),
      k.chatDedupe(id),
      k.chatClosed(id),
      k.persistMarks(id),
      k.roomEvents(id),
      k.chatDedupeFilter(id),
      ...indexKeys,
      this.d.ttlMs,
      Math.max(...chunk.map((p) => p.nowMs)),
      l.sendRatePerSec,
      l.sendBurst,
      l.maxLogMessages,
      l.maxLogBytes,
      // The seq is spliced in by the script between the head and each message's tail.
      encodeHead(id),
      id,
      checkedBase,
      senders[0]!,
      senders[1] ?? senders[0]!,
    ];
    for (const { message } of chunk) {
      args.push(
        message.senderId === senders[0] ? 1 : 2,
        dedupeField(message.senderId, message.clientMsgId),
        encodeTail(message),
        Buffer.byteLength(message.content),
      );
    }
    const out = await this.redis.ohChatAppend(...args);
    return chunk.map((_, j) => ({ status: out[j * 3]!, seq: out[j * 3 + 1]!, lease: out[j * 3 + 2]! }));
  }
}
