import type { Logger } from '../../lib/logging/logger';
import type { GatewayMetrics } from '../gateway-metrics';
import { CLOSE } from './session-transport';
import type { StompFrame } from './stomp-frame';
import { StompParser } from './stomp-parser';

export interface InboundFramesDeps {
  readonly host: {
    /** Parsed frames that may wait for handling; more at once closes the session (inbound backpressure). */
    readonly maxQueuedFrames: number;
    readonly metrics: GatewayMetrics;
    readonly log: Logger;
    /** Lets a draining gateway wait for the frames in flight. */
    track<T>(work: Promise<T>): Promise<T>;
  };
  readonly sessionId: string;
  handle(frame: StompFrame): Promise<void>;
  /** Sends an ERROR frame and closes the session. */
  fail(message: string, code: number): void;
}

/**
 * A session's inbound side: WebSocket messages to STOMP frames (a frame may span messages, a message may
 * hold several), handled one at a time in arrival order, so a client's SENDs are appended in the order it
 * sent them; buffering is bounded.
 */
export class InboundFrames {
  private parser: StompParser | undefined = new StompParser();
  private work: Promise<void> | undefined;
  /** Frames parsed but not yet handled. */
  private queued = 0;

  constructor(private readonly d: InboundFramesDeps) {}

  /** Bytes of one WebSocket message; returns how many frames they completed. */
  push(data: Buffer): number {
    if (!this.parser) return 0;
    const result = this.parser.push(data);
    const { host } = this.d;
    if (this.queued + result.frames.length > host.maxQueuedFrames) {
      // Buffering without bound would let one client hold the process's memory; it may reconnect.
      this.stop();
      host.metrics.rateLimited('frames');
      this.d.fail(`RATE_LIMITED: more than ${host.maxQueuedFrames} frames waiting; slow down`, CLOSE.policy);
      return result.frames.length;
    }
    this.queued += result.frames.length;
    for (const frame of result.frames)
      this.enqueue(async () => {
        this.queued--;
        await this.d.handle(frame);
      });
    const error = result.error;
    if (error) this.enqueue(async () => this.d.fail(`malformed frame: ${error}`, CLOSE.protocol));
    return result.frames.length;
  }

  /** No more bytes are parsed (the session closed). */
  stop(): void {
    this.parser = undefined;
  }

  private enqueue(task: () => Promise<void>): void {
    const run = () =>
      task().catch((err: unknown) => {
        this.d.host.log.error({ err, sessionId: this.d.sessionId }, 'frame handling failed');
        this.d.fail('internal error', CLOSE.protocol);
      });
    const next = this.work ? this.work.then(run) : run();
    const tracked = this.d.host.track(next);
    this.work = tracked;
    void tracked.then(() => {
      if (this.work === tracked) this.work = undefined;
    });
  }
}
