/** What one message's append came to (chat-append.lua's status codes, read by `appendOutcome`). */
export type AppendOutcome =
  | { kind: 'appended'; seq: number; lease: number }
  | { kind: 'duplicate'; seq: number }
  | { kind: 'invalid' }
  | { kind: 'lease-exhausted'; seq: number; lease: number }
  | { kind: 'rate-limited' }
  | { kind: 'log-full' }
  | { kind: 'closed' };

/** Checked inside the append script, so they cost no extra round trip. */
export interface AppendLimits {
  readonly sendRatePerSec: number;
  readonly sendBurst: number;
  readonly maxLogMessages: number;
  readonly maxLogBytes: number;
}

/** What chat-append.lua's status code means. */
export function appendOutcome(status: number, seq: number, lease: number): AppendOutcome {
  switch (status) {
    case 1:
      return { kind: 'appended', seq, lease };
    case 0:
      return { kind: 'duplicate', seq };
    case -3:
      return { kind: 'lease-exhausted', seq, lease };
    case -4:
      return { kind: 'rate-limited' };
    case -5:
      return { kind: 'log-full' };
    case -2:
      return { kind: 'closed' };
    default:
      return { kind: 'invalid' };
  }
}
