export interface BackoffOptions {
  /** First delay's ceiling. */
  readonly baseMs: number;
  /** No delay is longer. */
  readonly maxMs: number;
}

/** Capped near 10 s: a user back from an outage waits seconds, not the half minute a 30 s cap allowed. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 10_000 };

/**
 * "Full jitter" exponential backoff: a random delay up to base·2^attempt (capped), so a thousand clients
 * that lost the same gateway do not come back in the same millisecond.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 20));
  return Math.floor(random() * ceiling);
}
