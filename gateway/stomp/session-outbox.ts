import type { GatewayMetrics } from '../gateway-metrics';
import { CLOSE, type SessionTransport } from './session-transport';

export interface SessionOutboxDeps {
  readonly transport: SessionTransport;
  readonly host: {
    /** Unsent bytes past which the consumer is too slow: it is closed and recovers with /app/chat.sync. */
    readonly maxBackpressureBytes: number;
    readonly metrics: GatewayMetrics;
  };
  /** Asks for `flush` at the end of this event-loop turn (FrameFlusher: one setImmediate for every session). */
  flushSoon(): void;
  close(code: number, reason: string): void;
  onSent(): void;
}

/**
 * A session's outbound side: the frames written in one event-loop turn go out in one corked write (a
 * Redis reply or pub/sub chunk often carries several frames for one socket; corking each alone costs a
 * syscall per frame), and a consumer whose unsent backlog passes the cap is reported instead of buffered.
 */
export class SessionOutbox {
  private frames: string[] | undefined;

  constructor(private readonly d: SessionOutboxDeps) {}

  write(text: string): void {
    if (this.frames) {
      this.frames.push(text);
      return;
    }
    this.frames = [text];
    this.d.flushSoon();
  }

  flush(): void {
    const frames = this.frames;
    if (!frames) return;
    this.frames = undefined;
    if (this.d.transport.getBufferedAmount() > this.d.host.maxBackpressureBytes) {
      // A slow consumer is cut off so memory stays bounded.
      this.d.host.metrics.slowConsumer();
      this.d.close(CLOSE.tryAgain, 'slow consumer: reconnect and sync');
      return;
    }
    // Writes from Redis callbacks and timers run outside uWS's own dispatch: corking sends them now
    // instead of at uWS's next loop turn (milliseconds of latency at low load).
    this.d.transport.cork(() => {
      for (const f of frames) this.d.transport.send(f, false);
    });
    this.d.host.metrics.framesOut(frames.length);
    this.d.onSent();
  }
}
