import { AppError, forbidden } from '../../lib/errors/app-error';
import { stompErrorEvent, type StompErrorEvent } from '../protocol-errors';
import type { Principal } from '../../lib/identity/principal';
import { messageFrame, serializeFrame, type StompFrame } from './stomp-frame';
import { StompParser } from './stomp-parser';
import { CHAT_QUEUE, ERROR_QUEUE, SUBSCRIBABLE } from './stomp-destinations';
import type { StompSessionHost } from './stomp-session-host';
import { SessionDeadline } from './session-deadline';
import { readConnect } from './stomp-connect';
import { readSubscribe, type Subscription } from './stomp-subscriptions';

/** The part of a uWS WebSocket a session uses (the socket itself satisfies it: no wrapper per session). */
export interface SessionTransport {
  send(message: string, isBinary?: boolean): number;
  cork(cb: () => void): unknown;
  getBufferedAmount(): number;
  end(code?: number, shortMessage?: string): void;
}

type State = 'awaiting-connect' | 'connecting' | 'connected' | 'closed';

export const CLOSE = { normal: 1000, goingAway: 1001, protocol: 1002, policy: 1008, tryAgain: 1013 } as const;

let sessionCounter = 0;
const SERVER_NAME = 'office-hours/0.1';

/**
 * One STOMP session over one WebSocket: the protocol state machine. Frames are handled one at a time
 * in arrival order, so a client's SENDs are appended in the order it sent them.
 */
export class StompSession {
  readonly id = `${process.pid.toString(36)}-${(++sessionCounter).toString(36)}`;
  principal: Principal | undefined;
  lastInAt = Date.now();
  lastOutAt = Date.now();
  readonly openedAt = Date.now();
  private state: State = 'awaiting-connect';
  private parser: StompParser | undefined = new StompParser();
  private subs: Subscription[] = [];
  private outCount = 0;
  private work: Promise<void> | undefined;
  /** Frames parsed but not yet handled (bounded: inbound backpressure). */
  private queued = 0;
  private outgoingMs = 0;
  private incomingMs = 0;
  /** Frames written this event-loop turn, sent together by `flush` (undefined while there are none). */
  private outbox: string[] | undefined;
  /** Set at CONNECT: when the token must be refreshed (undefined for a token without `exp`). */
  private deadline: SessionDeadline | undefined;

  constructor(
    private readonly transport: SessionTransport,
    private readonly host: StompSessionHost<StompSession>,
    private upgradeToken: string | undefined,
  ) {}

  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  /** Closed, whoever closed it (read again after every await). */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** The session's deadline, epoch ms (its token's exp; moved by a refresh). */
  get expiresAt(): number | undefined {
    return this.deadline?.expiresAt;
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  /** Bytes of one WebSocket message. */
  onBytes(data: Buffer): void {
    if (this.state === 'closed' || !this.parser) return;
    this.lastInAt = Date.now();
    const result = this.parser.push(data);
    this.host.metrics.framesIn(result.frames.length);
    if (this.queued + result.frames.length > this.host.maxQueuedFrames) {
      // Buffering without bound would let one client hold the process's memory; it may reconnect.
      this.host.metrics.rateLimited('frames');
      this.parser = undefined;
      this.fail(`RATE_LIMITED: more than ${this.host.maxQueuedFrames} frames waiting; slow down`, CLOSE.policy);
      return;
    }
    this.queued += result.frames.length;
    for (const frame of result.frames)
      this.enqueue(async () => {
        this.queued--;
        await this.handle(frame);
      });
    if (result.error) {
      const error = result.error;
      this.enqueue(async () => this.fail(`malformed frame: ${error}`, CLOSE.protocol));
    }
  }

  /** Called by the transport when the socket is gone (whoever closed it). */
  onClosed(): void {
    if (this.state === 'closed') return;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.parser = undefined;
    if (wasConnected) this.host.detach(this);
  }

  /** Periodic upkeep from the registry: heart-beats, CONNECT timeout, token expiry. */
  tick(now: number): void {
    if (this.state === 'awaiting-connect' && now - this.openedAt > this.host.connectTimeoutMs) {
      this.fail('no CONNECT frame received in time', CLOSE.policy);
      return;
    }
    if (this.state !== 'connected') return;
    const due = this.deadline?.check(now);
    if (due === 'expired') {
      this.fail('UNAUTHENTICATED: token expired; refresh it with /app/auth.refresh or reconnect with a fresh one', CLOSE.policy);
      return;
    }
    if (due === 'warn') this.deliverError({ type: 'TOKEN_EXPIRING', expiresAt: new Date(this.deadline!.expiresAt).toISOString() });
    if (this.incomingMs && now - this.lastInAt > this.incomingMs * 2) {
      this.fail('no heart-beat received in time', CLOSE.policy);
      return;
    }
    if (this.outgoingMs && now - this.lastOutAt >= this.outgoingMs) this.write('\n');
  }

  /** A room event from the user's channel: one MESSAGE per subscription to /user/queue/chat. */
  deliver(payload: string, byteLength: number): void {
    this.writeMessage(CHAT_QUEUE, payload, byteLength);
  }

  /** An event on /user/queue/errors (errors, TOKEN_EXPIRING; the connection stays open). */
  deliverError(event: StompErrorEvent | { type: 'TOKEN_EXPIRING'; expiresAt: string }): void {
    const payload = JSON.stringify(event);
    this.writeMessage(ERROR_QUEUE, payload, Buffer.byteLength(payload));
  }

  /**
   * A refreshed token (already verified): the same user only; new roles apply at once, the subscriptions
   * are checked again under them, the deadline moves to the new exp. Throws UNAUTHENTICATED otherwise.
   */
  refresh(principal: Principal): void {
    if (principal.userId !== this.principal?.userId) throw new AppError('UNAUTHENTICATED', "a refreshed token must carry the session's sub");
    this.principal = principal;
    this.subs = this.subs.filter((s) => SUBSCRIBABLE.has(s.destination));
    if (principal.expiresAt !== undefined) {
      if (this.deadline) this.deadline.extend(principal.expiresAt, Date.now());
      else this.deadline = new SessionDeadline(principal.expiresAt, this.host.tokenGraceMs, Date.now());
    }
  }

  private writeMessage(destination: string, payload: string, byteLength: number): void {
    if (this.state !== 'connected') return;
    for (const s of this.subs) {
      if (s.destination !== destination) continue;
      const messageId = `${this.id}-${++this.outCount}`;
      this.write(messageFrame(destination, s.id, messageId, s.ack ? messageId : undefined, payload, byteLength));
      if (destination === CHAT_QUEUE) this.host.metrics.delivered();
    }
  }

  receipt(frame: StompFrame, extra: Record<string, string> = {}): void {
    const id = frame.headers.get('receipt');
    if (id !== undefined) this.write(serializeFrame('RECEIPT', { 'receipt-id': id, ...extra }));
  }

  /** Sends an ERROR frame and closes: protocol violations, auth failures, shutdown. */
  fail(message: string, code: number, receiptId?: string): void {
    if (this.state === 'closed') return;
    const headers: Record<string, string> = { message: message.slice(0, 200), 'content-type': 'text/plain' };
    if (receiptId !== undefined) headers['receipt-id'] = receiptId;
    this.write(serializeFrame('ERROR', headers, message));
    this.close(code, message.slice(0, 100));
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.flush(); // an ERROR frame written just before must go out before the close
    if (this.closed) return; // flush closed it (slow consumer)
    this.transport.end(code, reason);
    this.onClosed();
  }

  private write(text: string): void {
    if (this.state === 'closed') return;
    if (this.outbox) {
      this.outbox.push(text);
      return;
    }
    this.outbox = [text];
    this.host.flushSoon(this);
  }

  /** Sends the frames written this turn in one corked write (see FrameFlusher). */
  flush(): void {
    const frames = this.outbox;
    if (!frames || this.state === 'closed') return;
    this.outbox = undefined;
    if (this.transport.getBufferedAmount() > this.host.maxBackpressureBytes) {
      // A slow consumer is cut off so memory stays bounded; it recovers with /app/chat.sync.
      this.host.metrics.slowConsumer();
      this.close(CLOSE.tryAgain, 'slow consumer: reconnect and sync');
      return;
    }
    // Writes from Redis callbacks and timers run outside uWS's own dispatch: corking sends them now
    // instead of at uWS's next loop turn (milliseconds of latency at low load).
    this.transport.cork(() => {
      for (const f of frames) this.transport.send(f, false);
    });
    this.lastOutAt = Date.now();
    this.host.metrics.framesOut(frames.length);
  }

  private enqueue(task: () => Promise<void>): void {
    const run = () =>
      task().catch((err: unknown) => {
        this.host.log.error({ err, sessionId: this.id }, 'frame handling failed');
        this.fail('internal error', CLOSE.protocol);
      });
    const next = this.work ? this.work.then(run) : run();
    const tracked = this.host.track(next);
    this.work = tracked;
    void tracked.then(() => {
      if (this.work === tracked) this.work = undefined;
    });
  }

  private async handle(frame: StompFrame): Promise<void> {
    if (this.state === 'closed') return;
    const cmd = frame.command;
    if (cmd === 'CONNECT' || cmd === 'STOMP') {
      if (this.state !== 'awaiting-connect') return this.fail('already connected', CLOSE.protocol);
      return this.connect(frame);
    }
    if (this.state !== 'connected') return this.fail(`${cmd} before CONNECT`, CLOSE.protocol);
    const h = frame.headers;
    switch (cmd) {
      case 'SUBSCRIBE':
        return this.subscribe(frame);
      case 'UNSUBSCRIBE': {
        const id = h.get('id');
        if (!id) return this.fail('UNSUBSCRIBE needs id', CLOSE.protocol);
        this.subs = this.subs.filter((s) => s.id !== id);
        return this.receipt(frame);
      }
      case 'SEND': {
        const destination = h.get('destination');
        if (!destination) return this.fail('SEND needs a destination', CLOSE.protocol);
        return this.host.onSend(this, destination, frame);
      }
      case 'ACK':
      case 'NACK':
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        // Delivery is at-most-once per socket with sync for recovery; acks and transactions are accepted as no-ops.
        return this.receipt(frame);
      case 'DISCONNECT':
        this.receipt(frame);
        return this.close(CLOSE.normal, 'disconnect');
    }
  }

  private async subscribe(frame: StompFrame): Promise<void> {
    const sub = readSubscribe(frame, this.subs);
    if (typeof sub === 'string') return this.fail(sub, CLOSE.protocol);
    if ('refused' in sub) {
      this.deliverError(stompErrorEvent(forbidden(sub.refused), this.host.log, {}));
      return this.receipt(frame);
    }
    try {
      await this.host.limitSubscribe(this.principal!.userId);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      this.host.metrics.rateLimited('subscribe');
      this.deliverError(stompErrorEvent(err, this.host.log, {}));
      return this.receipt(frame);
    }
    if (this.closed) return;
    this.subs = [...this.subs, sub];
    return this.receipt(frame);
  }

  private async connect(frame: StompFrame): Promise<void> {
    this.state = 'connecting';
    const request = readConnect(frame, this.upgradeToken, this.host.heartbeatMs);
    this.upgradeToken = undefined;
    if (typeof request === 'string') return this.fail(request, CLOSE.protocol);
    let principal: Principal;
    try {
      if (!request.token) throw new AppError('UNAUTHENTICATED', 'missing token');
      principal = this.host.verifier.verify(request.token);
    } catch (err) {
      const message = err instanceof AppError ? err.message : 'invalid token';
      this.host.metrics.authFailed();
      return this.fail(`UNAUTHENTICATED: ${message}`, CLOSE.policy);
    }
    this.outgoingMs = request.outgoingMs;
    this.incomingMs = request.incomingMs;
    this.principal = principal;
    try {
      await this.host.attach(this);
    } catch (err) {
      this.host.detach(this);
      if (err instanceof AppError) {
        if (err.code === 'RATE_LIMITED') this.host.metrics.rateLimited('sessions');
        return this.fail(`${err.code}: ${err.message}`, CLOSE.policy);
      }
      throw err;
    }
    if (this.state !== 'connecting') {
      this.host.detach(this);
      return;
    }
    this.state = 'connected';
    if (principal.expiresAt !== undefined) this.deadline = new SessionDeadline(principal.expiresAt, this.host.tokenGraceMs, Date.now());
    this.write(
      serializeFrame('CONNECTED', {
        version: request.version,
        // The negotiated values (what this server will send, what it expects); a client computing the
        // negotiation from them reaches the same result as from the server's offer.
        'heart-beat': `${this.outgoingMs},${this.incomingMs}`,
        'user-name': principal.userId,
        server: SERVER_NAME,
        session: this.id,
        // The session's deadline (epoch ms): its token's expiry (CONTRACT §5).
        ...(this.deadline ? { 'session-expires': String(this.deadline.expiresAt) } : {}),
      }),
    );
  }
}
