/** Most lead time of the TOKEN_EXPIRING warning (shorter for short-lived tokens: half their life). */
const MAX_WARNING_LEAD_MS = 60_000;

/**
 * When a STOMP session must renew its token (CONTRACT §5): the deadline is the token's `exp`; one
 * TOKEN_EXPIRING warning goes out before it, and the session ends at the deadline plus the grace period
 * unless `/app/auth.refresh` moved the deadline first.
 */
export class SessionDeadline {
  private warned = false;
  private warnAt: number;

  constructor(
    private deadline: number,
    private readonly graceMs: number,
    now: number,
  ) {
    this.warnAt = SessionDeadline.warningTime(deadline, now);
  }

  get expiresAt(): number {
    return this.deadline;
  }

  /** A refresh moved the deadline: a new warning will come before the new one. */
  extend(deadline: number, now: number): void {
    this.deadline = deadline;
    this.warnAt = SessionDeadline.warningTime(deadline, now);
    this.warned = false;
  }

  /** What the session owes now: a warning (once per deadline), the end, or nothing. */
  check(now: number): 'warn' | 'expired' | undefined {
    if (now >= this.deadline + this.graceMs) return 'expired';
    if (!this.warned && now >= this.warnAt) {
      this.warned = true;
      return 'warn';
    }
    return undefined;
  }

  private static warningTime(deadline: number, now: number): number {
    return deadline - Math.min(MAX_WARNING_LEAD_MS, Math.max(0, (deadline - now) / 2));
  }
}
