import type { Client, IFrame } from '@stomp/stompjs';
import { APP_AUTH_REFRESH, APP_READ, APP_TYPING, CHAT_QUEUE, ERROR_QUEUE } from '../../protocol/destinations';
import type { ChatEvent, ErrorEvent, RoomEvent, TokenExpiringEvent } from '../../protocol/room-events';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { systemClock, type Clock } from './clock';
import { Connection } from './connection';
import { isServerErrorCode, OfficeHoursError } from './errors';
import { EventEmitter } from './event-emitter';
import type { ConnectionState, EventMap, Listener } from './events';
import { FollowedRooms } from './followed-rooms';
import { Outbox } from './outbox';
import { ReceiptBook } from './receipt-book';
import { RestApi } from './rest-api';
import { DEFAULT_SEND_LIMITS, limitsFrom, sizeRefusal, type SendLimits } from './send-limits';
import { StompCalls } from './stomp-calls';
import { TokenRefresher } from './token-refresher';
import type { ConnectOptions } from './connect-options';

/** Typing events are thrown away by the server past 4 per 2 s; one every 2 s per room is plenty. */
const TYPING_EVERY_MS = 2000;

const newId = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
const ignore = () => undefined;
/** A promise the app may leave unawaited without an unhandled rejection; awaiting it still throws. */
const quiet = <T>(p: Promise<T>): Promise<T> => (p.catch(ignore), p);

/** Opens a client and starts connecting; `client.ready` resolves at the first CONNECTED. */
export function connect(options: ConnectOptions): OfficeHoursClient {
  const client = new OfficeHoursClient(options);
  client.start();
  return client;
}

/**
 * The contract's client rules, wired: one STOMP session kept alive (`Connection`), sends retried with
 * their clientMsgId until a RECEIPT or a final refusal (`Outbox`), every frame's answer matched by its
 * receipt id (`StompCalls`, `ReceiptBook`), each CHAT event delivered once and in order across reconnects
 * (`FollowedRooms`), the token refreshed ahead of expiry (`TokenRefresher`), and the REST routes (`RestApi`).
 */
export class OfficeHoursClient extends RestApi {
  /** Resolves at the first CONNECTED; rejects when the client stops first (UNAUTHENTICATED, or CLOSED). */
  readonly ready: Promise<void>;
  private settleReady!: { resolve(): void; reject(err: OfficeHoursError): void };
  private readonly events = new EventEmitter();
  private readonly connection: Connection;
  private readonly receipts = new ReceiptBook();
  private readonly calls: StompCalls;
  private readonly rooms: FollowedRooms;
  private readonly outbox: Outbox;
  private readonly refresher: TokenRefresher;
  private readonly typedAt = new Map<number, number>();
  private readonly clock: Clock;
  private readonly backoff: BackoffOptions;
  private limits: SendLimits = DEFAULT_SEND_LIMITS;

  constructor(options: ConnectOptions) {
    const url = () => (typeof options.url === 'function' ? options.url() : options.url);
    super({
      baseUrl: () => options.restUrl ?? new URL(url().replace(/^ws/, 'http')).origin,
      getToken: () => options.getToken(),
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    });
    this.clock = options.clock ?? systemClock;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.ready = quiet(new Promise<void>((resolve, reject) => (this.settleReady = { resolve, reject })));
    const o = { heartbeatMs: 10_000, connectTimeoutMs: 10_000, ...options };
    this.connection = new Connection(
      {
        url,
        getToken: () => options.getToken(),
        webSocketFactory: options.webSocketFactory,
        backoff: this.backoff,
        heartbeatMs: o.heartbeatMs,
        connectTimeoutMs: o.connectTimeoutMs,
        clock: this.clock,
      },
      this.events,
      {
        connected: (stomp, frame) => this.onConnected(stomp, frame),
        lost: () => this.onLost(),
        blame: (err) => this.outbox.failInFlight(err) > 0,
        stopped: (err) => this.onStopped(err),
        deadline: () => this.refresher.deadline,
      },
    );
    this.calls = new StompCalls(this.connection, this.receipts);
    this.rooms = new FollowedRooms({ connection: this.connection, calls: this.calls, events: this.events, clock: this.clock, backoff: this.backoff });
    this.outbox = new Outbox({ limit: options.outboxLimit ?? 100, newId, clock: this.clock, backoff: this.backoff, wire: (...a) => this.calls.send(...a) });
    this.refresher = new TokenRefresher({
      clock: this.clock,
      refreshAheadMs: options.refreshAheadMs ?? 30_000,
      getToken: () => options.getToken(),
      request: (token) => this.calls.call(APP_AUTH_REFRESH, undefined, undefined, { Authorization: `Bearer ${token}` }),
      refused: (err) => this.events.emit('error', err),
    });
    for (const room of options.rooms ?? []) void quiet(this.follow(room));
  }

  /** Read-only: `connecting`, `connected`, `reconnecting`, or for good `unauthenticated` / `closed`. */
  get state(): ConnectionState {
    return this.connection.state;
  }

  /** The longest message the server accepts (CHAT_MAX_MESSAGE_CHARS, learned at CONNECTED; 4000 until then). */
  get maxMessageChars(): number {
    return this.limits.maxMessageChars;
  }

  /** Sends waiting for their RECEIPT. */
  get pendingCount(): number {
    return this.outbox.size;
  }

  start(): void {
    this.connection.start();
  }

  /** Returns the function that removes the listener. */
  on<K extends keyof EventMap>(type: K, listener: Listener<K>): () => void {
    return this.events.on(type, listener);
  }

  once<K extends keyof EventMap>(type: K, listener: Listener<K>): () => void {
    return this.events.once(type, listener);
  }

  off<K extends keyof EventMap>(type: K, listener: Listener<K>): void {
    this.events.off(type, listener);
  }

  /**
   * Follows a room: its CHAT events after `afterSeq` are delivered, and it is synced after every reconnect.
   * Resolves once the room is synced; a refusal (NOT_PARTICIPANT, …) rejects and the room is dropped.
   */
  follow(requestIdx: number, afterSeq = 0): Promise<void> {
    if (this.connection.stopped) return quiet(Promise.reject(this.stoppedError(requestIdx)));
    return quiet(this.rooms.follow(requestIdx, afterSeq));
  }

  /** Stops following a room: no more sync after reconnects, and its CHAT events are not delivered until `follow()` again. */
  unfollow(requestIdx: number): void {
    this.rooms.unfollow(requestIdx);
  }

  /**
   * Resolves with the message's seq once it is durable (its RECEIPT); retried across reconnects until then.
   * Too long a message is refused at once, never sent: PAYLOAD_TOO_LARGE past the server's frame limit,
   * VALIDATION_FAILED past `maxMessageChars`.
   */
  send(requestIdx: number, content: string): Promise<number> {
    if (this.connection.stopped) return quiet(Promise.reject(this.stoppedError(requestIdx)));
    const refusal = sizeRefusal(requestIdx, content, this.limits);
    return quiet(refusal ? Promise.reject(refusal) : this.outbox.add(requestIdx, content));
  }

  /** Marks the room read (a READ event reaches both participants); resolves at its RECEIPT. */
  markRead(requestIdx: number): Promise<void> {
    return quiet(this.calls.call(APP_READ, { requestIdx }, requestIdx).then(ignore));
  }

  /** Tells the peer the user is typing; at most once every 2 s per room (calls in between resolve at once). */
  typing(requestIdx: number): Promise<void> {
    const now = this.clock.now();
    if (now - (this.typedAt.get(requestIdx) ?? -Infinity) < TYPING_EVERY_MS) return Promise.resolve();
    if (this.connection.stomp) this.typedAt.set(requestIdx, now);
    return quiet(this.calls.call(APP_TYPING, { requestIdx }, requestIdx).then(ignore));
  }

  /** Stops for good: pending calls reject with CLOSED. */
  async close(): Promise<void> {
    await this.connection.stop('closed', new OfficeHoursError('CLOSED', 'the client was closed'));
  }

  private onConnected(stomp: Client, frame: IFrame): void {
    this.limits = limitsFrom(frame, this.limits);
    this.refresher.setDeadline(frame.headers['session-expires']);
    stomp.onUnhandledReceipt = (f) => this.receipts.receipt(f);
    stomp.subscribe(CHAT_QUEUE, (m) => this.onEvent(m.body));
    stomp.subscribe(ERROR_QUEUE, (m) => this.onErrorEvent(m.body));
    this.rooms.syncAll();
    this.outbox.transmitAll();
    this.settleReady.resolve();
  }

  private onLost(): void {
    this.refresher.stop();
    this.rooms.abandonSyncs();
    this.receipts.dropAll(new OfficeHoursError('CONNECTION_LOST', 'the connection was lost before the answer'));
  }

  private onStopped(err: OfficeHoursError): void {
    this.refresher.stop();
    this.receipts.dropAll(err);
    this.outbox.failAll(err);
    this.rooms.rejectAll(err);
    this.settleReady.reject(err);
    if (err.code !== 'CLOSED') this.events.emit('error', err);
  }

  private stoppedError(requestIdx: number): OfficeHoursError {
    return new OfficeHoursError(this.state === 'unauthenticated' ? 'UNAUTHENTICATED' : 'CLOSED', `the client is ${this.state}`, { requestIdx });
  }

  private onEvent(raw: string): void {
    const event = parse<RoomEvent>(raw);
    if (!event) return;
    if (event.type !== 'CHAT') return this.events.emit(event.type, event as never);
    this.rooms.offer(event as ChatEvent);
  }

  private onErrorEvent(raw: string): void {
    const e = parse<ErrorEvent | TokenExpiringEvent>(raw);
    if (!e) return;
    if (e.type === 'TOKEN_EXPIRING') return void this.refresher.refresh();
    const code = isServerErrorCode(e.code) ? e.code : 'INTERNAL';
    const err = new OfficeHoursError(code, e.message ?? code, { requestIdx: e.requestIdx, clientMsgId: e.clientMsgId });
    if (!this.receipts.refusal(err)) this.events.emit('error', err);
  }
}

function parse<T>(raw: string): T | undefined {
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
