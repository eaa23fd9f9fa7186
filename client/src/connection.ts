import { Client, type IFrame } from '@stomp/stompjs';
import { backoffDelay, type BackoffOptions } from './backoff';
import type { Clock } from './clock';
import { OfficeHoursError, type ConnectFailure } from './errors';
import type { EventEmitter } from './event-emitter';
import type { ConnectionState } from './events';
import { classifyErrorFrame, type StompErrorFrame } from './stomp-error-frame';
import { WakeSignals } from './wake-signals';
import { defaultWebSocketFactory, describeSocketError, type WebSocketFactory } from './websocket-factory';

export interface ConnectionOptions {
  url: string | (() => string);
  getToken(): string | Promise<string>;
  webSocketFactory: WebSocketFactory | undefined;
  backoff: BackoffOptions;
  heartbeatMs: number;
  connectTimeoutMs: number;
  clock: Clock;
}

/** What the client does with the connection's life. */
export interface ConnectionHooks {
  connected(stomp: Client, frame: IFrame): void;
  /** The session is gone: nothing on the wire will be answered. */
  lost(): void;
  /**
   * The server closed the session with an ERROR no retry can fix: returns whether frames on the wire took
   * the blame (they are refused, not resent, so a new session is safe); otherwise the client stops.
   */
  blame(err: OfficeHoursError): boolean;
  /** The client stopped for good (`unauthenticated`, or `closed` with the reason). */
  stopped(err: OfficeHoursError): void;
  /** Wall-clock deadline of the session (0: none), for the watchdog. */
  deadline(): number;
}

const WATCHDOG_MS = 1000;
/** A watchdog tick this late means the machine slept: the socket is not trusted any more. */
const SLEPT_MS = 15_000;

interface Attempt {
  opened: boolean;
  connected: boolean;
  socketError: string | undefined;
  errorFrame: StompErrorFrame | undefined;
}

/**
 * One STOMP connection at a time, and the rules for getting it back: reconnect with capped backoff and
 * jitter (at once when the browser comes back online or the tab becomes visible, or after a laptop
 * sleep); on UNAUTHENTICATED ask `getToken()` once more at once, and stop in `unauthenticated` if that
 * token is refused too; stop on any other final refusal nothing on the wire explains. Every failed attempt
 * is a `connectError` event with its reason.
 */
export class Connection {
  private current: Client | undefined;
  private status: ConnectionState = 'connecting';
  private failures = 0;
  private authRefusals = 0;
  private retryTimer: unknown;
  private watchdog: unknown;
  private lastTick = 0;
  private factory: WebSocketFactory | undefined;
  private readonly wakeSignals = new WakeSignals(() => this.wake());

  constructor(
    private readonly o: ConnectionOptions,
    private readonly events: EventEmitter,
    private readonly hooks: ConnectionHooks,
  ) {
    this.factory = o.webSocketFactory;
  }

  get state(): ConnectionState {
    return this.status;
  }

  /** The connected STOMP client, if any. */
  get stomp(): Client | undefined {
    return this.status === 'connected' && this.current?.connected ? this.current : undefined;
  }

  get stopped(): boolean {
    return this.status === 'closed' || this.status === 'unauthenticated';
  }

  start(): void {
    this.lastTick = this.o.clock.now();
    this.watchdog = this.o.clock.setInterval(() => this.tick(), WATCHDOG_MS);
    this.wakeSignals.attach();
    // Next microtask: listeners attached right after connect() hear even a first failure that is synchronous.
    queueMicrotask(() => void this.open());
  }

  /** Stops for good: no further attempt. */
  stop(state: 'closed' | 'unauthenticated', err: OfficeHoursError): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.o.clock.clearInterval(this.watchdog);
    this.o.clock.clearTimeout(this.retryTimer);
    this.wakeSignals.detach();
    const s = this.current;
    this.current = undefined;
    const wasConnected = s !== undefined && this.status === 'connected';
    this.setState(state);
    if (wasConnected) this.hooks.lost();
    this.hooks.stopped(err);
    return s ? s.deactivate({ force: true }).catch(() => undefined) : Promise.resolve();
  }

  /** Drops the session (not trusted any more) and connects again. */
  drop(): void {
    const s = this.current;
    if (!s || this.stopped) return;
    this.current = undefined;
    void s.deactivate({ force: true }).catch(() => undefined);
    this.hooks.lost();
    this.retry(backoffDelay(this.failures++, this.o.backoff));
  }

  /** The browser is back online, or the tab visible again: a pending retry happens now. */
  private wake(): void {
    if (this.status !== 'reconnecting' || this.current) return;
    this.o.clock.clearTimeout(this.retryTimer);
    void this.open();
  }

  private async open(): Promise<void> {
    this.retryTimer = undefined;
    if (this.stopped) return;
    let token: string;
    try {
      token = await this.o.getToken();
    } catch (err) {
      return this.refused(
        new OfficeHoursError('UNAUTHENTICATED', `getToken failed: ${err instanceof Error ? err.message : String(err)}`, { reason: 'refused' }),
      );
    }
    try {
      this.factory ??= await defaultWebSocketFactory();
    } catch (err) {
      return void this.stop('closed', new OfficeHoursError('CONNECTION_FAILED', `no WebSocket: pass webSocketFactory or install ws (${String(err)})`));
    }
    if (this.stopped || this.current) return;
    const url = typeof this.o.url === 'function' ? this.o.url() : this.o.url;
    const attempt: Attempt = { opened: false, connected: false, socketError: undefined, errorFrame: undefined };
    let socket: { addEventListener?(type: string, fn: () => void): void };
    try {
      socket = this.factory(url) as typeof socket;
    } catch (err) {
      // A URL the platform refuses to open (not ws:/wss:, malformed) throws in the WebSocket constructor: no
      // retry can open it, so the client stops instead of retrying for ever.
      const failure = new OfficeHoursError('CONNECTION_FAILED', `cannot open ${url}: ${String(err)}`, { reason: 'unreachable' });
      this.events.emit('connectError', failure);
      return void this.stop('closed', failure);
    }
    socket.addEventListener?.('open', () => (attempt.opened = true));
    const stomp = new Client({
      webSocketFactory: () => socket as never,
      connectHeaders: { Authorization: `Bearer ${token}` },
      reconnectDelay: 0,
      connectionTimeout: this.o.connectTimeoutMs,
      heartbeatIncoming: this.o.heartbeatMs,
      heartbeatOutgoing: this.o.heartbeatMs,
      debug: () => undefined,
    });
    stomp.onConnect = (frame) => {
      if (stomp !== this.current) return;
      attempt.connected = true;
      this.failures = 0;
      this.authRefusals = 0;
      this.setState('connected');
      this.hooks.connected(stomp, frame);
    };
    stomp.onStompError = (frame) => (attempt.errorFrame = classifyErrorFrame(frame.headers, frame.body));
    stomp.onWebSocketError = (ev: unknown) => (attempt.socketError = describeSocketError(ev));
    stomp.onWebSocketClose = (ev: { code?: number }) => {
      if (stomp !== this.current) return;
      this.current = undefined;
      void stomp.deactivate({ force: true }).catch(() => undefined);
      this.closed(attempt, ev.code);
    };
    this.current = stomp;
    stomp.activate();
  }

  private closed(attempt: Attempt, closeCode: number | undefined): void {
    const frame = attempt.errorFrame;
    const err = frame ? new OfficeHoursError(frame.code, frame.message, { reason: 'refused' }) : undefined;
    if (attempt.connected) {
      const blamed = err && !err.retryable && err.code !== 'UNAUTHENTICATED' ? this.hooks.blame(err) : true;
      this.hooks.lost();
      if (err?.code === 'UNAUTHENTICATED') return this.refused(err);
      if (!blamed) return void this.stop('closed', err!);
      if (err) this.events.emit('error', err);
      return this.retry(backoffDelay(this.failures++, this.o.backoff));
    }
    if (err?.code === 'UNAUTHENTICATED') return this.refused(err);
    if (err) return err.retryable ? this.failed(attempt, err) : void this.stop('closed', err);
    const reason: ConnectFailure = attempt.opened ? 'closed' : 'unreachable';
    const detail = attempt.socketError ?? `socket closed${closeCode ? ` (code ${closeCode})` : ''}`;
    const what = reason === 'closed' ? 'closed before CONNECTED' : 'could not connect (wrong URL, refused or unreachable)';
    this.failed(attempt, new OfficeHoursError('CONNECTION_FAILED', `${what}: ${detail}`, { reason }));
  }

  /** A failed attempt: reported, then retried after the backoff. */
  private failed(attempt: Attempt, err: OfficeHoursError): void {
    if (!attempt.connected) this.events.emit('connectError', err);
    this.retry(backoffDelay(this.failures++, this.o.backoff));
  }

  /** The token was refused: a fresh one is asked for at once, once; a second refusal in a row stops the client. */
  private refused(err: OfficeHoursError): void {
    this.events.emit('connectError', err);
    if (++this.authRefusals >= 2) return void this.stop('unauthenticated', err);
    this.retry(0);
  }

  private retry(delayMs: number): void {
    if (this.stopped) return;
    this.setState('reconnecting');
    this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = this.o.clock.setTimeout(() => void this.open(), delayMs);
  }

  /** Wall-clock watchdog: a session past its deadline, or a machine that slept, gets a fresh connection. */
  private tick(): void {
    const now = this.o.clock.now();
    const slept = now - this.lastTick > SLEPT_MS;
    this.lastTick = now;
    if (this.status !== 'connected') return;
    const deadline = this.hooks.deadline();
    if (slept || (deadline && now >= deadline)) this.drop();
  }

  private setState(state: ConnectionState): void {
    if (this.status === state) return;
    this.status = state;
    this.events.emit('state', state);
  }
}
