import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../lib/logging/logger';
import type { RedisKeys } from '../../lib/redis/redis-keys';

/** An owner key lives this long unless refreshed (every OWNER_REFRESH_MS by its gateway): a dead gateway's sessions lapse. */
export const OWNER_TTL_MS = 15_000;
export const OWNER_REFRESH_MS = 5_000;
/** How long a session's close frame answers its id after it ended (SockJS: the same close, then a new session). */
export const CLOSED_TTL_MS = 5_000;
const OUTBOX_TTL_MS = 30_000;
const RECEIVER_TTL_MS = 60_000;
const CLOSED = 'closed';
const CLAIM_ATTEMPTS = 10;
const CLAIM_STEP_MS = 20;

/**
 * One life of a SockJS session: the id the client chose (a later client may choose it again) and the
 * generation drawn when this session opened. Everything the session keeps in Redis is keyed by both.
 */
export interface SockJsLife {
  readonly id: string;
  readonly generation: string;
}

export type Owner = { kind: 'none' } | { kind: 'gateway'; gatewayId: string; life: SockJsLife } | { kind: 'closed'; life: SockJsLife; frame: string };

/**
 * What SockJS HTTP sessions share across gateways through Redis, so none needs a sticky balancer: who runs a
 * session, its outbox for receiving requests that land elsewhere (with a wake-up channel), the single
 * receiver slot, and each gateway's inbound channel for `xhr_send` bodies. docs/sockjs.md has the design.
 */
export class SockJsRelay {
  readonly gatewayId = randomUUID();
  private readonly watchers = new Map<string, () => void>();
  private onInbound: (life: SockJsLife, pieces: string[]) => void = () => undefined;

  constructor(private readonly d: { redis: Redis; subscriber: Redis; keys: RedisKeys; log: Logger }) {
    d.subscriber.on('smessage', (channel: string, payload: string) => this.dispatch(channel, payload));
  }

  async start(onInbound: (life: SockJsLife, pieces: string[]) => void): Promise<void> {
    this.onInbound = onInbound;
    await this.d.subscriber.ssubscribe(this.d.keys.sockjsInbound(this.gatewayId));
  }

  /** Opens a new life of the id on this gateway; undefined when another gateway runs it (or it just closed). */
  async claim(sessionId: string): Promise<SockJsLife | undefined> {
    const generation = randomBytes(12).toString('base64url');
    const set = await this.d.redis.set(this.d.keys.sockjsOwner(sessionId), `${this.gatewayId} ${generation}`, 'PX', OWNER_TTL_MS, 'NX');
    return set === 'OK' ? { id: sessionId, generation } : undefined;
  }

  async owner(sessionId: string): Promise<Owner> {
    const v = await this.d.redis.get(this.d.keys.sockjsOwner(sessionId));
    if (v === null) return { kind: 'none' };
    const [who = '', generation = ''] = v.split(' ', 2);
    const life = { id: sessionId, generation };
    if (who === CLOSED) return { kind: 'closed', life, frame: v.slice(who.length + generation.length + 2) };
    return { kind: 'gateway', gatewayId: who, life };
  }

  /** Keeps the owner keys of sessions this gateway still runs (never of ended ones: their close lingers CLOSED_TTL_MS only). */
  refresh(lives: Iterable<SockJsLife>): void {
    for (const { id } of lives) this.d.redis.pexpire(this.d.keys.sockjsOwner(id), OWNER_TTL_MS).catch(() => undefined);
  }

  /**
   * The session ended: with its close frame (maybe queued for a receiver elsewhere, behind frames it has not
   * taken yet), any gateway answers the id with what the outbox holds and then that frame, for
   * CLOSED_TTL_MS; without one (it timed out) the id is free again at once. Either way the next session on
   * the id draws a new generation and sees none of this one's keys.
   */
  async ended(life: SockJsLife, frame: string | undefined): Promise<void> {
    const k = this.d.keys;
    const outbox = k.sockjsOutbox(life.id, life.generation);
    if (frame)
      await this.d.redis
        .multi()
        .set(k.sockjsOwner(life.id), `${CLOSED} ${life.generation} ${frame}`, 'PX', CLOSED_TTL_MS)
        .pexpire(outbox, CLOSED_TTL_MS)
        .exec();
    else await this.d.redis.del(k.sockjsOwner(life.id), outbox);
  }

  /**
   * The one receiving request of a session; false while another holds it. A poll's next request often
   * arrives before the release of the one that just answered reached Redis (maybe from another gateway), so
   * a taken slot is looked at again for a moment before the request is refused.
   */
  async claimReceiver(life: SockJsLife, token: string): Promise<boolean> {
    const key = this.d.keys.sockjsReceiver(life.id, life.generation);
    for (let attempt = 0; ; attempt++) {
      if ((await this.d.redis.set(key, token, 'PX', RECEIVER_TTL_MS, 'NX')) === 'OK') return true;
      if (attempt === CLAIM_ATTEMPTS) return false;
      await new Promise((r) => setTimeout(r, CLAIM_STEP_MS));
    }
  }

  async releaseReceiver(life: SockJsLife, token: string): Promise<void> {
    const key = this.d.keys.sockjsReceiver(life.id, life.generation);
    if ((await this.d.redis.get(key)) === token) await this.d.redis.del(key);
  }

  touchReceiver(life: SockJsLife): void {
    this.d.redis.pexpire(this.d.keys.sockjsReceiver(life.id, life.generation), RECEIVER_TTL_MS).catch(() => undefined);
  }

  async hasReceiver(life: SockJsLife): Promise<boolean> {
    return (await this.d.redis.exists(this.d.keys.sockjsReceiver(life.id, life.generation))) === 1;
  }

  /** Queues frames for a receiving request on any gateway and wakes it. */
  async push(life: SockJsLife, frames: readonly string[]): Promise<void> {
    const outbox = this.d.keys.sockjsOutbox(life.id, life.generation);
    // One transaction, sent at once: a close recorded right after (ended) shortens this TTL, not the reverse.
    await this.d.redis
      .multi()
      .rpush(outbox, ...frames)
      .pexpire(outbox, OUTBOX_TTL_MS)
      .exec();
    await this.d.redis.spublish(this.d.keys.sockjsWake(life.id, life.generation), '1');
  }

  /** Everything queued, oldest first, removed from the outbox. */
  async take(life: SockJsLife): Promise<string[]> {
    return (await this.d.redis.lpop(this.d.keys.sockjsOutbox(life.id, life.generation), 10_000)) ?? [];
  }

  /** Frames taken but not written (the response ended first) go back to the front, in order. */
  async putBack(life: SockJsLife, frames: readonly string[]): Promise<void> {
    const outbox = this.d.keys.sockjsOutbox(life.id, life.generation);
    // The take may have emptied (deleted) the outbox: the list made again needs its TTL again.
    await this.d.redis
      .multi()
      .lpush(outbox, ...[...frames].reverse())
      .pexpire(outbox, OUTBOX_TTL_MS, 'NX')
      .exec();
    // The next receiver may have looked at the outbox already: it is woken to look again.
    await this.d.redis.spublish(this.d.keys.sockjsWake(life.id, life.generation), '1');
  }

  /** Hands an `xhr_send` body to the gateway running the session; false when that gateway is gone. */
  async forward(ownerId: string, life: SockJsLife, pieces: readonly string[]): Promise<boolean> {
    const payload = JSON.stringify({ sessionId: life.id, generation: life.generation, pieces });
    return Number(await this.d.redis.spublish(this.d.keys.sockjsInbound(ownerId), payload)) > 0;
  }

  /** Calls `onWake` whenever frames are pushed for the session, until the returned function is called. */
  async watch(life: SockJsLife, onWake: () => void): Promise<() => void> {
    const channel = this.d.keys.sockjsWake(life.id, life.generation);
    this.watchers.set(channel, onWake);
    await this.d.subscriber.ssubscribe(channel);
    return () => {
      this.watchers.delete(channel);
      this.d.subscriber.sunsubscribe(channel).catch(() => undefined);
    };
  }

  private dispatch(channel: string, payload: string): void {
    const watcher = this.watchers.get(channel);
    if (watcher) return watcher();
    if (channel !== this.d.keys.sockjsInbound(this.gatewayId)) return;
    try {
      const { sessionId, generation, pieces } = JSON.parse(payload) as { sessionId: string; generation: string; pieces: string[] };
      this.onInbound({ id: sessionId, generation }, pieces);
    } catch (err) {
      this.d.log.warn({ err }, 'malformed SockJS inbound message');
    }
  }
}
