import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../lib/logging/logger';
import type { RedisKeys } from '../../lib/redis/redis-keys';

/** An owner key lives this long unless refreshed (every OWNER_REFRESH_MS by its gateway): a dead gateway's sessions lapse. */
export const OWNER_TTL_MS = 15_000;
export const OWNER_REFRESH_MS = 5_000;
/** How long a session's close frame answers its id after it ended (SockJS: the same close, then a new session). */
const CLOSED_TTL_MS = 5_000;
const OUTBOX_TTL_MS = 30_000;
const RECEIVER_TTL_MS = 60_000;
const CLOSED = 'closed:';
const CLAIM_ATTEMPTS = 10;
const CLAIM_STEP_MS = 20;

export type Owner = { kind: 'none' } | { kind: 'gateway'; id: string } | { kind: 'closed'; frame: string };

/**
 * What SockJS HTTP sessions share across gateways through Redis, so none needs a sticky balancer: who runs a
 * session, its outbox for receiving requests that land elsewhere (with a wake-up channel), the single
 * receiver slot, and each gateway's inbound channel for `xhr_send` bodies. docs/sockjs.md has the design.
 */
export class SockJsRelay {
  readonly gatewayId = randomUUID();
  private readonly watchers = new Map<string, () => void>();
  private onInbound: (sessionId: string, pieces: string[]) => void = () => undefined;

  constructor(private readonly d: { redis: Redis; subscriber: Redis; keys: RedisKeys; log: Logger }) {
    d.subscriber.on('smessage', (channel: string, payload: string) => this.dispatch(channel, payload));
  }

  async start(onInbound: (sessionId: string, pieces: string[]) => void): Promise<void> {
    this.onInbound = onInbound;
    await this.d.subscriber.ssubscribe(this.d.keys.sockjsInbound(this.gatewayId));
  }

  /** Takes a new session id for this gateway; false when another gateway has it (or had it). */
  async claim(sessionId: string): Promise<boolean> {
    return (await this.d.redis.set(this.d.keys.sockjsOwner(sessionId), this.gatewayId, 'PX', OWNER_TTL_MS, 'NX')) === 'OK';
  }

  async owner(sessionId: string): Promise<Owner> {
    const v = await this.d.redis.get(this.d.keys.sockjsOwner(sessionId));
    if (v === null) return { kind: 'none' };
    return v.startsWith(CLOSED) ? { kind: 'closed', frame: v.slice(CLOSED.length) } : { kind: 'gateway', id: v };
  }

  refresh(sessionIds: Iterable<string>): void {
    for (const id of sessionIds) this.d.redis.pexpire(this.d.keys.sockjsOwner(id), OWNER_TTL_MS).catch(() => undefined);
  }

  /**
   * The session ended: with its close frame (already queued for a receiver elsewhere, so the outbox stays
   * until it expires), any gateway answers the id with that frame for a while; without one (it timed out)
   * the id is free again.
   */
  async ended(sessionId: string, frame: string | undefined): Promise<void> {
    const k = this.d.keys;
    if (frame) await this.d.redis.set(k.sockjsOwner(sessionId), `${CLOSED}${frame}`, 'PX', CLOSED_TTL_MS);
    else await this.d.redis.del(k.sockjsOwner(sessionId), k.sockjsOutbox(sessionId));
  }

  /**
   * The one receiving request of a session; false while another holds it. A poll's next request often
   * arrives before the release of the one that just answered reached Redis (maybe from another gateway), so
   * a taken slot is looked at again for a moment before the request is refused.
   */
  async claimReceiver(sessionId: string, token: string): Promise<boolean> {
    const key = this.d.keys.sockjsReceiver(sessionId);
    for (let attempt = 0; ; attempt++) {
      if ((await this.d.redis.set(key, token, 'PX', RECEIVER_TTL_MS, 'NX')) === 'OK') return true;
      if (attempt === CLAIM_ATTEMPTS) return false;
      await new Promise((r) => setTimeout(r, CLAIM_STEP_MS));
    }
  }

  async releaseReceiver(sessionId: string, token: string): Promise<void> {
    const key = this.d.keys.sockjsReceiver(sessionId);
    if ((await this.d.redis.get(key)) === token) await this.d.redis.del(key);
  }

  touchReceiver(sessionId: string): void {
    this.d.redis.pexpire(this.d.keys.sockjsReceiver(sessionId), RECEIVER_TTL_MS).catch(() => undefined);
  }

  async hasReceiver(sessionId: string): Promise<boolean> {
    return (await this.d.redis.exists(this.d.keys.sockjsReceiver(sessionId))) === 1;
  }

  /** Queues frames for a receiving request on any gateway and wakes it. */
  async push(sessionId: string, frames: readonly string[]): Promise<void> {
    const k = this.d.keys;
    await this.d.redis.rpush(k.sockjsOutbox(sessionId), ...frames);
    await this.d.redis.pexpire(k.sockjsOutbox(sessionId), OUTBOX_TTL_MS);
    await this.d.redis.spublish(k.sockjsWake(sessionId), '1');
  }

  /** Everything queued, oldest first, removed from the outbox. */
  async take(sessionId: string): Promise<string[]> {
    return (await this.d.redis.lpop(this.d.keys.sockjsOutbox(sessionId), 10_000)) ?? [];
  }

  /** Frames taken but not written (the response ended first) go back to the front, in order. */
  async putBack(sessionId: string, frames: readonly string[]): Promise<void> {
    await this.d.redis.lpush(this.d.keys.sockjsOutbox(sessionId), ...[...frames].reverse());
    // The next receiver may have looked at the outbox already: it is woken to look again.
    await this.d.redis.spublish(this.d.keys.sockjsWake(sessionId), '1');
  }

  /** Hands an `xhr_send` body to the gateway running the session; false when that gateway is gone. */
  async forward(ownerId: string, sessionId: string, pieces: readonly string[]): Promise<boolean> {
    const receivers = await this.d.redis.spublish(this.d.keys.sockjsInbound(ownerId), JSON.stringify({ sessionId, pieces }));
    return Number(receivers) > 0;
  }

  /** Calls `onWake` whenever frames are pushed for the session, until the returned function is called. */
  async watch(sessionId: string, onWake: () => void): Promise<() => void> {
    const channel = this.d.keys.sockjsWake(sessionId);
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
      const { sessionId, pieces } = JSON.parse(payload) as { sessionId: string; pieces: string[] };
      this.onInbound(sessionId, pieces);
    } catch (err) {
      this.d.log.warn({ err }, 'malformed SockJS inbound message');
    }
  }
}
