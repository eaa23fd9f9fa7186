import type { StompSession } from './stomp-session';

/**
 * Every open session of this process, and one timer that does their periodic upkeep (heart-beats,
 * CONNECT timeout, token expiry): one timer per process rather than per session keeps a session small.
 */
export class SessionRegistry {
  private readonly sessions = new Set<StompSession>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sweepMs: number) {}

  add(session: StompSession): void {
    this.sessions.add(session);
    this.timer ??= setInterval(() => this.sweep(), this.sweepMs);
  }

  remove(session: StompSession): void {
    this.sessions.delete(session);
    if (this.sessions.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get size(): number {
    return this.sessions.size;
  }

  all(): StompSession[] {
    return [...this.sessions];
  }

  private sweep(): void {
    const now = Date.now();
    for (const s of this.sessions) s.tick(now);
  }
}
