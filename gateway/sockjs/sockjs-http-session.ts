import type { Logger } from '../../lib/logging/logger';
import type { SessionTransport } from '../stomp/session-transport';
import type { SockJsReceiver } from './sockjs-receiver';
import type { SockJsLife, SockJsRelay } from './sockjs-relay';
import { deliverOutbox } from './sockjs-frames';

/** A session with no receiving request for this long is closed (Spring's `disconnectDelay`). */
export const SOCKJS_DISCONNECT_DELAY_MS = 5_000;

/**
 * The gateway side of a SockJS HTTP session, as the STOMP session's transport. Frames go straight to the
 * receiving request when one is attached here; otherwise they are queued in the session's Redis outbox,
 * where a receiving request on any gateway takes them. A receiver attaching here first takes what the
 * outbox holds (frames sent meanwhile wait behind them), so frames keep their order whichever gateway
 * serves each request.
 */
export class SockJsHttpSession implements SessionTransport {
  private pending: string[] = [];
  private pendingBytes = 0;
  private corked = false;
  private receiver: SockJsReceiver | undefined;
  private attaching = false;
  private waking = false;
  /** The close frame once the session ended (answered to later requests for its id). */
  closeFrame: string | undefined;
  lastReceiverAt = Date.now();

  constructor(
    readonly life: SockJsLife,
    private readonly relay: SockJsRelay,
    private readonly log: Logger,
    private readonly onEnded: (s: SockJsHttpSession) => void,
  ) {}

  send(message: string): number {
    this.pending.push(message);
    this.pendingBytes += message.length;
    if (!this.corked) this.flush();
    return 1;
  }

  cork(cb: () => void): unknown {
    this.corked = true;
    try {
      cb();
    } finally {
      this.corked = false;
      this.flush();
    }
    return this;
  }

  getBufferedAmount(): number {
    return this.pendingBytes;
  }

  end(code?: number, shortMessage?: string): void {
    if (this.closeFrame) return;
    this.flush();
    this.closeFrame = `c${JSON.stringify([code ?? 1000, shortMessage ?? ''])}`;
    this.deliver([this.closeFrame]);
    this.onEnded(this);
  }

  get hasReceiver(): boolean {
    return this.receiver?.isOpen === true || this.attaching;
  }

  /**
   * Attaches a receiving request that holds the receiver slot: the outbox first, then what is pending. A
   * response that ends on the way (a poll) leaves the session detached, with its frames still queued.
   */
  async attach(receiver: SockJsReceiver, opening: boolean): Promise<void> {
    this.attaching = true;
    this.lastReceiverAt = Date.now();
    try {
      if (opening) receiver.write('o');
      if (!opening) await deliverOutbox(this.relay, this.life, receiver);
      if (!receiver.isOpen) return;
      this.receiver = receiver;
    } finally {
      this.attaching = false;
    }
    this.flush();
    if (this.closeFrame && this.receiver?.isOpen) this.receiver.write(this.closeFrame);
  }

  /** Frames were queued in the outbox (put back by a response that ended): a receiver attached here takes them. */
  async onWake(): Promise<void> {
    const r = this.receiver;
    if (!r?.isOpen || this.attaching || this.waking) return;
    this.waking = true;
    try {
      await deliverOutbox(this.relay, this.life, r);
    } finally {
      this.waking = false;
    }
  }

  detach(receiver: SockJsReceiver): void {
    if (this.receiver === receiver) this.receiver = undefined;
    this.lastReceiverAt = Date.now();
  }

  /** Heart-beat for a receiver attached here; false when none is. */
  heartbeat(): boolean {
    return this.receiver?.write('h') ?? false;
  }

  private flush(): void {
    if (this.pending.length === 0 || this.attaching) return;
    const frame = `a${JSON.stringify(this.pending)}`;
    this.pending = [];
    this.pendingBytes = 0;
    this.deliver([frame]);
  }

  private deliver(frames: string[]): void {
    // Only the close frame gets here while a receiver attaches (flush waits): attach() writes it when done.
    if (this.attaching) return;
    const r = this.receiver;
    if (r?.isOpen) {
      for (const f of frames) r.write(f);
      if (!r.isOpen) this.receiver = undefined;
      return;
    }
    this.relay.push(this.life, frames).catch((err: unknown) => this.log.warn({ err }, 'SockJS outbox write failed'));
  }
}
