/** Longest a RECEIPT waits for its message's echo before it goes out alone. */
export const ECHO_WAIT_MS = 20;

/**
 * Pairs the RECEIPT of a session's own chat.send with the echo of that message. The append's reply and the
 * echo reach the gateway on different Redis connections, so they met in one write only by chance; the
 * RECEIPT now waits for the echo (at most ECHO_WAIT_MS: the room may not be followed here yet), and both go
 * out in the session's one write of the turn.
 */
export class EchoReceipts {
  private readonly waiting = new Map<string, { frame: string; timer: NodeJS.Timeout }>();
  /** The newest CHAT seq written to the session, per room (events of a room arrive in seq order). */
  private readonly echoed = new Map<number, number>();

  constructor(private readonly write: (frame: string) => void) {}

  /** A room's CHAT event was written to the session. */
  echo(requestIdx: number, seq: number): void {
    if ((this.echoed.get(requestIdx) ?? 0) < seq) this.echoed.set(requestIdx, seq);
    if (this.waiting.size === 0) return;
    const key = `${requestIdx}:${seq}`;
    const wait = this.waiting.get(key);
    if (!wait) return;
    clearTimeout(wait.timer);
    this.waiting.delete(key);
    this.write(wait.frame);
  }

  /** Writes the RECEIPT of message `seq` now if its echo went out (or none will come here), else with the echo. */
  receipt(requestIdx: number, seq: number, frame: string, echoExpected: boolean): void {
    if (!echoExpected || (this.echoed.get(requestIdx) ?? 0) >= seq) return this.write(frame);
    const key = `${requestIdx}:${seq}`;
    const timer = setTimeout(() => {
      if (this.waiting.delete(key)) this.write(frame);
    }, ECHO_WAIT_MS);
    this.waiting.set(key, { frame, timer });
  }

  /** The session closed: nothing more is written. */
  clear(): void {
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
  }
}
