/** Exponential backoff with jitter and a cap (attempt 1 → ~base). Used by every retried job. */
export function retryDelayMs(attemptsMade: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
