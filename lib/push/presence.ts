import type { Redis } from 'ioredis';
import { AppError } from '../errors/app-error';
import { readLua, withScripts, type ScriptCommand } from '../redis/lua-scripts';
import type { RedisKeys } from '../redis/redis-keys';

const SCRIPTS = { ohPresenceJoin: { lua: readLua(__dirname, 'presence-join'), keys: 1 } };
type PresenceScripts = { ohPresenceJoin: ScriptCommand<number> };

/**
 * Who has a live session on any gateway: per user, a sorted set of session ids scored by expiry.
 * Gateways refresh their sessions every ttl/3; a crashed gateway's sessions simply expire.
 */
export class Presence {
  private readonly scripted: Redis & PresenceScripts;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    readonly ttlMs: number,
    /** CHAT_MAX_SESSIONS_PER_USER: live sessions one user may hold across every gateway. */
    private readonly maxSessionsPerUser = Number.POSITIVE_INFINITY,
  ) {
    this.scripted = withScripts<PresenceScripts>(redis, SCRIPTS);
  }

  /** Registers a session; RATE_LIMITED when the user already holds the maximum number of sessions. */
  async join(userId: string, sessionId: string): Promise<void> {
    const now = Date.now();
    const max = Number.isFinite(this.maxSessionsPerUser) ? this.maxSessionsPerUser : 2 ** 31;
    const ok = await this.scripted.ohPresenceJoin(this.keys.presence(userId), sessionId, now + this.ttlMs, now, max, this.ttlMs * 2);
    if (ok !== 1) throw new AppError('RATE_LIMITED', `at most ${max} sessions per user; close another one first`);
  }

  async leave(userId: string, sessionId: string): Promise<void> {
    await this.redis.zrem(this.keys.presence(userId), sessionId);
  }

  async refresh(sessions: readonly (readonly [string, string])[]): Promise<void> {
    if (sessions.length === 0) return;
    const expiry = Date.now() + this.ttlMs;
    // One key per user (its own slot); auto-pipelining batches these per node.
    await Promise.all(
      sessions.map(([userId, sessionId]) => {
        const key = this.keys.presence(userId);
        return Promise.all([this.redis.zadd(key, expiry, sessionId), this.redis.pexpire(key, this.ttlMs * 2)]);
      }),
    );
  }

  async isOnline(userId: string): Promise<boolean> {
    return (await this.onlineAmong([userId])).has(userId);
  }

  /**
   * The users among `userIds` with a live session, in one round trip: one ZCOUNT of unexpired members each
   * (persistence asks this every round; expired members are pruned by the next join and lapse with the key).
   */
  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const now = Date.now();
    const counts = await Promise.all(userIds.map((id) => this.redis.zcount(this.keys.presence(id), now, '+inf')));
    return new Set(userIds.filter((_, i) => counts[i]! > 0));
  }
}
