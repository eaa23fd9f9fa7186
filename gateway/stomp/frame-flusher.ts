/** Something holding frames to send in one corked write. */
export interface Flushable {
  flush(): void;
}

/**
 * Sends each session's frames of one event-loop turn in one corked write: a Redis reply or pub/sub chunk
 * often carries several frames for the same socket (a RECEIPT and its echo, several messages of a busy
 * room), and corking each alone costs a syscall per frame. One setImmediate per turn serves every session.
 */
export class FrameFlusher {
  private readonly pending = new Set<Flushable>();
  private scheduled = false;

  soon(session: Flushable): void {
    this.pending.add(session);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flushAll());
  }

  private flushAll(): void {
    this.scheduled = false;
    for (const s of this.pending) s.flush();
    this.pending.clear();
  }
}
