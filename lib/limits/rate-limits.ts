import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logging/logger';

/** Every limited entry other than chat.send (which the append script limits without an extra round trip). */
export const LIMITED_ENTRIES = ['rest', 'rest-ip', 'session-ip', 'chat.read', 'chat.sync', 'chat.typing', 'subscribe', 'auth.refresh', 'data-export'] as const;
export type LimitedEntry = (typeof LIMITED_ENTRIES)[number];

/** A budget: `points` calls per `durationSec`, per key (user, user+room or IP). */
export interface RateBudget {
  readonly points: number;
  readonly durationSec: number;
}

/**
 * Per-user (and per-IP before authentication) limits shared by every gateway process: the counters live
 * in Redis (rate-limiter-flexible's Redis limiter, one atomic round trip per call). A refusal is
 * RATE_LIMITED. If Redis cannot answer, the call is let through: limits protect capacity, they must not
 * become an outage of their own.
 */
export class RateLimits {
  private readonly limiters: Record<LimitedEntry, RateLimiterRedis>;

  constructor(
    redis: Redis,
    keyPrefix: string,
    budgets: Readonly<Record<LimitedEntry, RateBudget>>,
    private readonly log: Logger,
  ) {
    const make = (entry: LimitedEntry) =>
      new RateLimiterRedis({ storeClient: redis, keyPrefix: `${keyPrefix}${entry}`, points: budgets[entry].points, duration: budgets[entry].durationSec });
    this.limiters = Object.fromEntries(LIMITED_ENTRIES.map((e) => [e, make(e)])) as Record<LimitedEntry, RateLimiterRedis>;
  }

  /** Resolves when allowed; throws RATE_LIMITED otherwise. */
  async consume(entry: LimitedEntry, key: string): Promise<void> {
    try {
      await this.limiters[entry].consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw new AppError('RATE_LIMITED', `too many ${entry} calls; retry in ${Math.ceil(err.msBeforeNext / 1000)} s`);
      this.log.warn({ err, entry }, 'rate limiter unavailable; call allowed');
    }
  }
}
