import { AppError, forbidden } from '../../lib/errors/app-error';
import { stompErrorEvent } from '../protocol-errors';
import type { ErrorEvent, TokenExpiringEvent } from '../../protocol/room-events';
import type { Principal } from '../../lib/identity/principal';
import { messageFrame, serializeFrame, type StompFrame } from './stomp-frame';
import { InboundFrames } from './inbound-frames';
import { SessionOutbox } from './session-outbox';
import { CLOSE, type SessionTransport } from './session-transport';
import { CHAT_QUEUE, ERROR_QUEUE } from '../../protocol/destinations';
import { SUBSCRIBABLE } from './stomp-subscriptions';
import type { StompSessionHost } from './stomp-session-host';
import { SessionDeadline } from './session-deadline';
import { authenticate, connectedFrame, readConnect } from './stomp-connect';
import { readSubscribe, type Subscription } from './stomp-subscriptions';

type State = 'awaiting-connect' | 'connecting' | 'connected' | 'closed';

let sessionCounter = 0;

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
  private readonly inbound: InboundFrames;
  private subs: Subscription[] = [];
  private outCount = 0;
  private outgoingMs = 0;
  private incomingMs = 0;
  private readonly outbox: SessionOutbox;
  /** Set at CONNECT: when the token must be refreshed (undefined for a token without `exp`). */
  private deadline: SessionDeadline | undefined;

  constructor(
    private readonly transport: SessionTransport,
    private readonly host: StompSessionHost<StompSession>,
    private upgradeToken: string | undefined,
  ) {
    const fail = (message: string, code: number) => this.fail(message, code);
    this.inbound = new InboundFrames({ host, sessionId: this.id, handle: (frame) => this.handle(frame), fail });
    const close = (code: number, reason: string) => this.close(code, reason);
    this.outbox = new SessionOutbox({ transport, host, flushSoon: () => host.flushSoon(this), close, onSent: () => (this.lastOutAt = Date.now()) });
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
    if (this.state === 'closed') return;
    this.lastInAt = Date.now();
    this.host.metrics.framesIn(this.inbound.push(data));
  }

  /** Called by the transport when the socket is gone (whoever closed it). */
  onClosed(): void {
    if (this.state === 'closed') return;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.inbound.stop();
    if (wasConnected) this.host.detach(this);
  }

  /** Periodic upkeep from the registry: heart-beats, CONNECT timeout, token expiry. */
  tick(now: number): void {
    if (this.state === 'awaiting-connect' && now - this.openedAt > this.host.connectTimeoutMs)
      return this.fail('no CONNECT frame received in time', CLOSE.policy);
    if (this.state !== 'connected') return;
    const due = this.deadline?.check(now);
    if (due === 'expired') return this.fail('UNAUTHENTICATED: token expired; refresh it with /app/auth.refresh or reconnect with a fresh one', CLOSE.policy);
    if (due === 'warn') this.deliverError({ type: 'TOKEN_EXPIRING', expiresAt: new Date(this.deadline!.expiresAt).toISOString() });
    if (this.incomingMs && now - this.lastInAt > this.incomingMs * 2) return this.fail('no heart-beat received in time', CLOSE.policy);
    if (this.outgoingMs && now - this.lastOutAt >= this.outgoingMs) this.write('\n');
  }

  /** A room event from the user's channel: one MESSAGE per subscription to /user/queue/chat. */
  deliver(payload: string, byteLength: number): void {
    this.writeMessage(CHAT_QUEUE, payload, byteLength);
  }

  /** An event on /user/queue/errors (errors, TOKEN_EXPIRING; the connection stays open). */
  deliverError(event: ErrorEvent | TokenExpiringEvent): void {
    const payload = JSON.stringify(event);
    this.writeMessage(ERROR_QUEUE, payload, Buffer.byteLength(payload));
  }

  /** A refreshed token (verified) of the same user: its roles apply at once, subscriptions re-checked, the deadline moved. */
  refresh(principal: Principal): void {
    if (principal.userId !== this.principal?.userId) throw new AppError('UNAUTHENTICATED', "a refreshed token must carry the session's sub");
    this.principal = principal;
    this.subs = this.subs.filter((s) => SUBSCRIBABLE.has(s.destination));
    this.setDeadline(principal.expiresAt);
  }

  private setDeadline(exp: number | undefined): void {
    if (exp === undefined) return;
    if (this.deadline) this.deadline.extend(exp, Date.now());
    else this.deadline = new SessionDeadline(exp, this.host.tokenGraceMs, Date.now());
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
    if (this.state !== 'closed') this.outbox.write(text);
  }

  /** Sends the frames written this turn in one corked write (see FrameFlusher). */
  flush(): void {
    if (this.state !== 'closed') this.outbox.flush();
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
    // Frames are handled one at a time, so nothing overtakes the CONNECT while its key is fetched.
    const principal = await authenticate(request, this.host.verifier);
    if (this.state !== 'connecting') return; // closed meanwhile
    if (typeof principal === 'string') {
      this.host.metrics.authFailed();
      return this.fail(principal, CLOSE.policy);
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
    this.setDeadline(principal.expiresAt);
    this.write(connectedFrame(request, principal.userId, this.id, this.deadline?.expiresAt, this.host.maxMessageChars));
  }
}
