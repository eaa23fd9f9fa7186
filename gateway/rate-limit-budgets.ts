import { AppError } from '../lib/errors/app-error';
import type { Logger } from '../lib/logging/logger';
import { RateLimits } from '../lib/limits/rate-limits';
import type { CoreServices } from '../lib/runtime/core-services';
import type { GatewayMetrics } from './gateway-metrics';

/** The shared budgets of CONTRACT §2: a rate per second with a burst, per user (REST and new sessions also per IP). */
export function buildRateLimits(core: CoreServices, log: Logger): RateLimits {
  const { stomp, rest, restIpPerSec, sessionsIpPerSec } = core.config.limits;
  const budget = (b: { ratePerSec: number; burst: number }) => ({ points: b.burst, durationSec: Math.max(1, Math.round(b.burst / b.ratePerSec)) });
  return new RateLimits(
    core.redis,
    core.keys.rateLimitPrefix(),
    {
      rest: budget(rest),
      'rest-ip': { points: restIpPerSec, durationSec: 1 },
      // New WebSocket upgrades and SockJS sessions, before anything is kept for them.
      'session-ip': { points: sessionsIpPerSec, durationSec: 1 },
      'chat.read': budget(stomp),
      'chat.sync': budget(stomp),
      'chat.typing': { points: 4, durationSec: 2 },
      subscribe: budget(stomp),
      'auth.refresh': budget(stomp),
      // An export reads a user's whole history: a few a minute per user.
      'data-export': { points: 6, durationSec: 60 },
    },
    log,
  );
}

/**
 * The per-address budget of new STOMP sessions (a WebSocket upgrade, a new SockJS session), taken before
 * anything is kept for the session: undefined when allowed, else the RATE_LIMITED error to answer with.
 */
export async function newSessionRefusal(limits: RateLimits, metrics: GatewayMetrics, ip: string): Promise<AppError | undefined> {
  try {
    await limits.consume('session-ip', ip);
    return undefined;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    metrics.rateLimited('session-ip');
    return err;
  }
}
