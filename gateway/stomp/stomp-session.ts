import { bearerToken } from '../../lib/identity/bearer-token';
import { AppError, forbidden } from '../../lib/errors/app-error';
import { stompErrorEvent, type StompErrorEvent } from '../protocol-errors';
import type { Principal } from '../../lib/identity/principal';
import { messageFrame, serializeFrame, type StompFrame } from './stomp-frame';
import { StompParser } from './stomp-parser';
import { CHAT_QUEUE, ERROR_QUEUE, SUBSCRIBABLE } from './stomp-destinations';
import type { StompSessionHost } from './stomp-session-host';

/** The part of a uWS WebSocket a session uses (the socket itself satisfies it: no wrapper per session). */
export interface SessionTransport {
  send(message: string, isBinary?: boolean): number;
  cork(cb: () => void): unknown;
  getBufferedAmount(): number;
  end(code?: number, shortMessage?: string): void;
}

interface Subscription {
  readonly id: string;
  readonly destination: string;
  readonly ack: boolean;
}

type State = 'awaiting-connect' | 'connecting' | 'connected' | 'closed';

export const CLOSE = { normal: 1000, goingAway: 1001, protocol: 1002, policy: 1008, tryAgain: 1013 } as const;

let sessionCounter = 0;
const SERVER_NAME = 'office-hours/0.1';
const SUPPORTED_VERSIONS = ['1.2', '1.1', '1.0'];

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

  constructor(
    private readonly transport: SessionTransport,
    private readonly host: StompSessionHost,
    private upgradeToken: string | undefined,
  ) {}

  get isOpen(): boolean {
    return this.state !== 'closed';
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
    const exp = this.principal?.expiresAt;
    if (exp !== undefined && now >= exp) {
      this.fail('UNAUTHENTICATED: token expired; reconnect with a fresh token', CLOSE.policy);
      return;
    }
    if (this.incomingMs && now - this.lastInAt > this.incomingMs * 2) {
      this.fail('no heart-beat received in time', CLOSE.policy);
      return;
    }
    if (this.outgoingMs && now - this.lastOutAt >= this.outgoingMs) this.write('\n');
  }

  /** A room event from the user's channel: one MESSAGE per subscription to /user/queue/chat. */
  deliver(payload: string, byteLength: number): void {
    if (this.state !== 'connected') return;
    for (const s of this.subs) {
      if (s.destination !== CHAT_QUEUE) continue;
      const messageId = `${this.id}-${++this.outCount}`;
      this.write(messageFrame(CHAT_QUEUE, s.id, messageId, s.ack ? messageId : undefined, payload, byteLength));
      this.host.metrics.delivered();
    }
  }

  /** An ERROR event on /user/queue/errors (the connection stays open). */
  deliverError(event: StompErrorEvent): void {
    if (this.state !== 'connected') return;
    const payload = JSON.stringify(event);
    const bytes = Buffer.byteLength(payload);
    for (const s of this.subs) {
      if (s.destination !== ERROR_QUEUE) continue;
      const messageId = `${this.id}-${++this.outCount}`;
      this.write(messageFrame(ERROR_QUEUE, s.id, messageId, s.ack ? messageId : undefined, payload, bytes));
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
    if (this.currentState() === 'closed') return; // flush closed it (slow consumer)
    this.transport.end(code, reason);
    this.onClosed();
  }

  /** Re-reads the state after an await (it may have closed meanwhile). */
  private currentState(): State {
    return this.state;
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
      case 'SUBSCRIBE': {
        const id = h.get('id');
        const destination = h.get('destination');
        if (!id || !destination) return this.fail('SUBSCRIBE needs id and destination', CLOSE.protocol);
        if (!SUBSCRIBABLE.has(destination)) {
          this.deliverError(stompErrorEvent(forbidden(`cannot subscribe to ${destination.slice(0, 100)}`), this.host.log, {}));
          return this.receipt(frame);
        }
        if (this.subs.some((s) => s.id === id)) return this.fail(`subscription id ${id} is in use`, CLOSE.protocol);
        try {
          await this.host.limitSubscribe(this.principal!.userId);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          this.host.metrics.rateLimited('subscribe');
          this.deliverError(stompErrorEvent(err, this.host.log, {}));
          return this.receipt(frame);
        }
        if (this.subs.length >= 16) return this.fail('too many subscriptions', CLOSE.protocol);
        const ack = h.get('ack') ?? 'auto';
        if (!['auto', 'client', 'client-individual'].includes(ack)) return this.fail(`unknown ack mode ${ack}`, CLOSE.protocol);
        this.subs = [...this.subs, { id, destination, ack: ack !== 'auto' }];
        return this.receipt(frame);
      }
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

  private async connect(frame: StompFrame): Promise<void> {
    this.state = 'connecting';
    const h = frame.headers;
    const accepted = (h.get('accept-version') ?? '1.0').split(',').map((v) => v.trim());
    const version = SUPPORTED_VERSIONS.find((v) => accepted.includes(v));
    if (!version) return this.fail(`supported versions are ${SUPPORTED_VERSIONS.join(',')}`, CLOSE.protocol);

    const auth = h.get('Authorization') ?? h.get('authorization');
    const bearer = bearerToken(auth);
    const token = bearer ?? h.get('passcode') ?? this.upgradeToken;
    this.upgradeToken = undefined;
    let principal: Principal;
    try {
      if (!token) throw new AppError('UNAUTHENTICATED', 'missing token');
      principal = this.host.verifier.verify(token);
    } catch (err) {
      const message = err instanceof AppError ? err.message : 'invalid token';
      this.host.metrics.authFailed();
      return this.fail(`UNAUTHENTICATED: ${message}`, CLOSE.policy);
    }
    await this.host.users.upsertFromPrincipal(principal);
    if (this.currentState() === 'closed') return;

    const [cx, cy] = parseHeartBeat(h.get('heart-beat'));
    const server = this.host.heartbeatMs;
    this.outgoingMs = cy > 0 ? Math.max(server, cy) : 0;
    this.incomingMs = cx > 0 ? Math.max(server, cx) : 0;
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
    if (this.currentState() !== 'connecting') {
      this.host.detach(this);
      return;
    }
    this.state = 'connected';
    this.write(
      serializeFrame('CONNECTED', {
        version,
        // The negotiated values (what this server will send, what it expects); a client computing the
        // negotiation from them reaches the same result as from the server's offer.
        'heart-beat': `${this.outgoingMs},${this.incomingMs}`,
        'user-name': principal.userId,
        server: SERVER_NAME,
        session: this.id,
        // The session's deadline (epoch ms): its token's expiry (CONTRACT §5).
        ...(principal.expiresAt !== undefined ? { 'session-expires': String(principal.expiresAt) } : {}),
      }),
    );
  }
}

function parseHeartBeat(raw: string | undefined): [number, number] {
  const m = raw ? /^\s*(\d{1,9})\s*,\s*(\d{1,9})\s*$/.exec(raw) : null;
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}
