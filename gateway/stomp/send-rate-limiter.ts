import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Per-user limits for chat sends (a steady rate plus a burst allowance) and typing notices.
 * In-process: a user spread over N gateways may get N× the rate, which bounds abuse well enough
 * without a Redis round trip on every message.
 */
export class SendRateLimiter {
  private readonly sends: BurstyRateLimiter;
  private readonly typing = new RateLimiterMemory({ points: 2, duration: 1 });

  constructor(ratePerSec: number, burst: number) {
    this.sends = new BurstyRateLimiter(
      new RateLimiterMemory({ points: ratePerSec, duration: 1 }),
      new RateLimiterMemory({ points: burst, duration: Math.max(1, Math.ceil(burst / ratePerSec)) }),
    );
  }

  allowSend(userId: string): Promise<boolean> {
    return allowed(this.sends.consume(userId));
  }

  allowTyping(userId: string, requestIdx: number): Promise<boolean> {
    return allowed(this.typing.consume(`${userId}:${requestIdx}`));
  }
}

async function allowed(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (err) {
    if (err instanceof RateLimiterRes) return false;
    throw err;
  }
}
