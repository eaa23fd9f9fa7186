import type { IFrame } from '@stomp/stompjs';
import type { Clock } from './clock';
import { OfficeHoursError } from './errors';

/**
 * Keeps the live session's token fresh: at `refreshAheadMs` before the deadline (at most half the
 * lifetime) it asks `getToken()` and sends it to `/app/auth.refresh`. A refused refresh leaves the old
 * deadline; the connection's watchdog reconnects with a fresh token then.
 */
export class TokenRefresher {
  /** The session's deadline on the client's clock (0: none). */
  deadline = 0;
  private timer: unknown;
  private running = false;

  constructor(
    private readonly d: {
      clock: Clock;
      refreshAheadMs: number;
      getToken(): string | Promise<string>;
      /** Sends the token on the live session; resolves with the RECEIPT. */
      request(token: string): Promise<IFrame>;
      refused(err: OfficeHoursError): void;
    },
  ) {}

  /** The `session-expires` (epoch ms) of a CONNECTED or a refresh RECEIPT. */
  setDeadline(expires: string | undefined): void {
    this.stop();
    const at = Number(expires);
    if (!Number.isFinite(at) || at <= 0) return;
    // The server's deadline as a lifetime, put on this client's clock (robust to clock skew and jumps).
    const remaining = at - Date.now();
    this.deadline = this.d.clock.now() + remaining;
    const lead = Math.min(this.d.refreshAheadMs, remaining / 2);
    this.timer = this.d.clock.setTimeout(() => void this.refresh(), Math.max(0, remaining - lead));
  }

  async refresh(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const token = await this.d.getToken();
      this.setDeadline((await this.d.request(token)).headers['session-expires']);
    } catch (err) {
      const e = err instanceof OfficeHoursError ? err : new OfficeHoursError('UNAUTHENTICATED', `getToken failed: ${String(err)}`);
      if (e.code !== 'CONNECTION_LOST' && e.code !== 'CLOSED') this.d.refused(e);
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    this.d.clock.clearTimeout(this.timer);
    this.deadline = 0;
  }
}
