import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys';
import { defineScripts, readLua } from '../redis/lua-scripts';
import type { ChatMessage } from './chat-message';

const SCRIPTS = { ohChatAppend: readLua(__dirname, 'chat-append'), ohChatRestore: readLua(__dirname, 'chat-restore') };

type ScriptedRedis = Redis & {
  ohChatAppend(...args: (string | number)[]): Promise<[number, number]>;
  ohChatRestore(...args: (string | number)[]): Promise<number>;
};

export type AppendOutcome =
  | { kind: 'appended'; seq: number }
  | { kind: 'duplicate'; seq: number }
  | { kind: 'not-loaded' }
  | { kind: 'closed' };

/** Persistence is sharded by room so several workers can commit in parallel, one job per shard at a time. */
export const PERSIST_SHARDS = 4;
export const persistShardOf = (requestIdx: number) => requestIdx % PERSIST_SHARDS;

export const dedupeField = (senderId: string, clientMsgId: string) => `${senderId}\u0000${clientMsgId}`;

/** The room's hot log in Redis (CONTRACT §6): atomic append with fan-out, range reads, restore. */
export class ChatLog {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlMs: number,
  ) {
    defineScripts(redis, SCRIPTS);
    this.redis = redis as ScriptedRedis;
  }

  async append(message: Omit<ChatMessage, 'seq'>, peerId: string, nowMs: number): Promise<AppendOutcome> {
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
    const [status, seq] = await this.redis.ohChatAppend(
      7,
      k.chatRoom(id),
      k.chatMeta(id),
      k.chatDedupe(id),
      k.chatClosed(id),
      k.persistPending(persistShardOf(id)),
      k.userChannel(message.senderId),
      k.userChannel(peerId),
      dedupeField(message.senderId, message.clientMsgId),
      this.ttlMs,
      head,
      tail,
      id,
      nowMs,
    );
    if (status === 1) return { kind: 'appended', seq };
    if (status === 0) return { kind: 'duplicate', seq };
    return status === -1 ? { kind: 'not-loaded' } : { kind: 'closed' };
  }

  async isLoaded(requestIdx: number): Promise<boolean> {
    return (await this.redis.exists(this.keys.chatMeta(requestIdx))) === 1;
  }

  /** Loads messages (seq 1..n, contiguous) unless the room is already present; true when this call loaded it. */
  async restore(requestIdx: number, messages: readonly ChatMessage[]): Promise<boolean> {
    const args: (string | number)[] = [];
    for (const m of messages) args.push(JSON.stringify(m), dedupeField(m.senderId, m.clientMsgId));
    const lastSeq = messages.length ? messages[messages.length - 1]!.seq : 0;
    const k = this.keys;
    const loaded = await this.redis.ohChatRestore(3, k.chatRoom(requestIdx), k.chatMeta(requestIdx), k.chatDedupe(requestIdx), this.ttlMs, lastSeq, ...args);
    return loaded === 1;
  }

  /** Raw JSON of messages with seq in (afterSeq, afterSeq + limit]; list index = seq - 1. */
  async rangeRaw(requestIdx: number, afterSeq: number, limit: number): Promise<string[]> {
    return this.redis.lrange(this.keys.chatRoom(requestIdx), afterSeq, afterSeq + limit - 1);
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
