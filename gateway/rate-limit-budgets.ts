import type { Logger } from '../lib/logging/logger';
import { RateLimits } from '../lib/limits/rate-limits';
import type { CoreServices } from '../lib/runtime/core-services';

/** The shared budgets of CONTRACT §2: a rate per second with a burst, per user (REST also per IP). */
export function buildRateLimits(core: CoreServices, log: Logger): RateLimits {
  const { stomp, rest, restIpPerSec } = core.config.limits;
  const budget = (b: { ratePerSec: number; burst: number }) => ({ points: b.burst, durationSec: Math.max(1, Math.round(b.burst / b.ratePerSec)) });
  return new RateLimits(
    core.redis,
    core.keys.rateLimitPrefix(),
    {
      rest: budget(rest),
      'rest-ip': { points: restIpPerSec, durationSec: 1 },
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
