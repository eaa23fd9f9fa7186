import { Client, type IFrame, type IMessage } from '@stomp/stompjs';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { systemClock, type Clock } from './clock';
import { OfficeHoursError, type ErrorCode } from './errors';
import type { ChatEvent, ChatMessage, ConnectionState, EventMap, RoomEvent } from './events';
import { historyPages } from './history-pager';
import { Outbox } from './outbox';
import { RoomCursors } from './room-cursors';

export interface ConnectOptions {
  /** The STOMP endpoint, e.g. `wss://campus.example/ws/chat`; a function is asked again on every reconnect. */
  url: string | (() => string);
  /** A valid access token; called at every connect and before every refresh (so it may fetch a new one). */
  getToken(): string | Promise<string>;
  /** Base URL of the REST API for `history()` (default: the origin of `url`). */
  restUrl?: string;
  /** Node: `(url) => new WebSocket(url, ['v12.stomp'])` from the `ws` package. Browsers use their WebSocket. */
  webSocketFactory?: (url: string) => unknown;
  /** Rooms to follow from the start: they are synced after every reconnect (rooms seen in events are followed too). */
  rooms?: readonly number[];
  /** Sends waiting for their RECEIPT at most (default 100); past it `send()` rejects with OUTBOX_FULL. */
  outboxLimit?: number;
  backoff?: BackoffOptions;
  /** How long before the session's deadline the token is refreshed (default 30 s; at most half the lifetime). */
  refreshAheadMs?: number;
  /** STOMP heart-beats both ways (default 10 s). */
  heartbeatMs?: number;
  clock?: Clock;
  fetch?: typeof fetch;
}

export type Listener<K extends keyof EventMap> = (value: EventMap[K]) => void;
const WATCHDOG_MS = 1000;
/** A watchdog tick this late means the machine slept: the socket is not trusted any more. */
const SLEPT_MS = 15_000;
const PERMANENT_REFRESH_CODES: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'VALIDATION_FAILED']);

const newId = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** Opens a client and starts connecting; `client.ready` resolves at the first CONNECTED. */
export function connect(options: ConnectOptions): OfficeHoursClient {
  const client = new OfficeHoursClient(options);
  client.start();
  return client;
}

/**
 * The contract's client rules in one place: refresh ahead of expiry, reconnect with backoff and jitter,
 * sync every followed room after a reconnect (each CHAT event delivered once, in order), retry sends with
 * their clientMsgId until a RECEIPT or a final refusal, and honour RATE_LIMITED.
 */
export class OfficeHoursClient {
  state: ConnectionState = 'connecting';
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private stomp: Client | undefined;
  private attempt = 0;
  /** The session's deadline on this client's clock. */
  private deadline = 0;
  private refreshTimer: unknown;
  private refreshing: string | undefined;
  private watchdog: unknown;
  private lastTick = 0;
  private closed = false;
  private receiptCounter = 0;
  private readonly listeners = new Map<keyof EventMap, Set<(v: unknown) => void>>();
  private readonly cursors = new RoomCursors();
  private readonly outbox: Outbox;
  private readonly syncs = new Map<string, number>();
  private readonly reads = new Map<string, () => void>();
  private readonly typedAt = new Map<number, number>();
  /** Rooms whose oldest send is on the wire (one per room at a time). */
  private readonly inFlight = new Set<number>();
  private readonly clock: Clock;

  constructor(private readonly options: ConnectOptions) {
    this.clock = options.clock ?? systemClock;
    this.outbox = new Outbox(options.outboxLimit ?? 100, newId);
    for (const room of options.rooms ?? []) this.cursors.follow(room);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  /** Sends waiting for their RECEIPT. */
  get pendingCount(): number {
    return this.outbox.size;
  }

  start(): void {
    this.lastTick = this.clock.now();
    this.watchdog = this.clock.setInterval(() => this.tick(), WATCHDOG_MS);
    void this.open();
  }

  on<K extends keyof EventMap>(type: K, listener: Listener<K>): () => void {
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener as (v: unknown) => void);
    this.listeners.set(type, set);
    return () => set.delete(listener as (v: unknown) => void);
  }

  /** Follows a room: its CHAT events after `afterSeq` are delivered, and it is synced after every reconnect. */
  follow(requestIdx: number, afterSeq = 0): void {
    this.cursors.follow(requestIdx, afterSeq);
    if (this.stomp?.connected) this.sync(requestIdx);
  }

  /** Resolves with the message's seq once it is durable (its RECEIPT); retried across reconnects until then. */
  send(requestIdx: number, content: string): Promise<number> {
    const { entry, done } = this.outbox.add(requestIdx, content);
    if (entry) this.transmit(requestIdx);
    return done;
  }

  /** Marks the room read (a READ event reaches both participants); resolves at its RECEIPT. */
  markRead(requestIdx: number): Promise<void> {
    const receipt = `read:${++this.receiptCounter}`;
    const done = new Promise<void>((resolve) => this.reads.set(receipt, resolve));
    this.publish('/app/chat.read', { requestIdx }, { receipt });
    return done;
  }

  /** Tells the peer the user is typing, at most once every 2 s per room (the server allows 4 per 2 s). */
  typing(requestIdx: number): void {
    const now = this.clock.now();
    if (now - (this.typedAt.get(requestIdx) ?? -Infinity) < 2000 || !this.stomp?.connected) return;
    this.typedAt.set(requestIdx, now);
    this.publish('/app/chat.typing', { requestIdx });
  }

  /** The room's history over REST, a page at a time in seq order. */
  history(requestIdx: number, options: { afterSeq?: number; pageSize?: number } = {}): AsyncGenerator<ChatMessage[]> {
    const url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    const restUrl = this.options.restUrl ?? new URL(url.replace(/^ws/, 'http')).origin;
    return historyPages({ restUrl, getToken: () => this.options.getToken(), fetch: this.options.fetch ?? fetch }, requestIdx, options);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clock.clearInterval(this.watchdog);
    this.clock.clearTimeout(this.refreshTimer);
    const s = this.stomp;
    this.stomp = undefined;
    this.outbox.failAll(new OfficeHoursError('CLOSED', 'the client was closed'));
    this.setState('closed');
    await s?.deactivate();
  }

  private async open(): Promise<void> {
    if (this.closed) return;
    let token: string;
    try {
      token = await this.options.getToken();
    } catch (err) {
      this.emit('error', new OfficeHoursError('UNAUTHENTICATED', `getToken failed: ${String(err)}`));
      return this.reconnectLater();
    }
    const url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    const hb = this.options.heartbeatMs ?? 10_000;
    const stomp = new Client({
      ...(this.options.webSocketFactory ? { webSocketFactory: () => this.options.webSocketFactory!(url) as never } : { brokerURL: url }),
      connectHeaders: { Authorization: `Bearer ${token}` },
      reconnectDelay: 0,
      heartbeatIncoming: hb,
      heartbeatOutgoing: hb,
      debug: () => undefined,
    });
    stomp.onConnect = (frame) => this.onConnected(stomp, frame);
    stomp.onStompError = (frame) => this.emit('error', new OfficeHoursError(errorCode(frame.headers['message']), frame.headers['message'] ?? 'STOMP ERROR'));
    stomp.onWebSocketClose = () => this.onSocketClosed(stomp);
    stomp.onUnhandledReceipt = (frame) => this.onReceipt(frame);
    this.stomp = stomp;
    stomp.activate();
  }

  private onConnected(stomp: Client, frame: IFrame): void {
    if (stomp !== this.stomp) return;
    this.attempt = 0;
    this.setDeadline(frame.headers['session-expires']);
    stomp.subscribe('/user/queue/chat', (m) => this.onEvent(m));
    stomp.subscribe('/user/queue/errors', (m) => this.onErrorEvent(m));
    this.setState('connected');
    for (const room of this.cursors.rooms()) this.sync(room);
    for (const room of this.outbox.rooms()) this.transmit(room);
    this.markReady();
  }

  private onSocketClosed(stomp: Client): void {
    if (stomp !== this.stomp) return;
    this.dropConnection();
  }

  /** Forgets the current connection (closed, refused, or not trusted after a sleep) and reconnects later. */
  private dropConnection(): void {
    const s = this.stomp;
    this.stomp = undefined;
    this.refreshing = undefined;
    this.clock.clearTimeout(this.refreshTimer);
    this.inFlight.clear();
    this.cursors.abandonSyncs();
    this.syncs.clear();
    void s?.deactivate({ force: true }).catch(() => undefined);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.closed) return;
    this.setState('reconnecting');
    this.clock.setTimeout(() => void this.open(), backoffDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF));
  }

  /** Wall-clock watchdog: a session past its deadline, or a machine that slept, gets a fresh connection. */
  private tick(): void {
    const now = this.clock.now();
    const slept = now - this.lastTick > SLEPT_MS;
    this.lastTick = now;
    if (this.state !== 'connected') return;
    if (slept || (this.deadline && now >= this.deadline)) this.dropConnection();
  }

  private setDeadline(expires: string | undefined): void {
    this.clock.clearTimeout(this.refreshTimer);
    const at = Number(expires);
    if (!Number.isFinite(at) || at <= 0) return;
    // The server's deadline as a lifetime, put on this client's clock (robust to clock skew and jumps).
    const remaining = at - Date.now();
    this.deadline = this.clock.now() + remaining;
    const lead = Math.min(this.options.refreshAheadMs ?? 30_000, remaining / 2);
    this.refreshTimer = this.clock.setTimeout(() => void this.refresh(), Math.max(0, remaining - lead));
  }

  private async refresh(): Promise<void> {
    const stomp = this.stomp;
    if (!stomp?.connected) return;
    let token: string;
    try {
      token = await this.options.getToken();
    } catch (err) {
      return this.emit('error', new OfficeHoursError('UNAUTHENTICATED', `getToken failed: ${String(err)}`));
    }
    if (stomp !== this.stomp) return;
    this.refreshing = `refresh:${++this.receiptCounter}`;
    stomp.publish({ destination: '/app/auth.refresh', headers: { Authorization: `Bearer ${token}`, receipt: this.refreshing } });
  }

  private sync(requestIdx: number): void {
    const receipt = `sync:${++this.receiptCounter}`;
    this.cursors.beginSync(requestIdx);
    this.syncs.set(receipt, requestIdx);
    this.publish('/app/chat.sync', { requestIdx, afterSeq: this.cursors.lastSeq(requestIdx) }, { receipt });
  }

  /**
   * Puts the room's oldest send on the wire, unless one is there already: one at a time per room, so a
   * refusal (RATE_LIMITED) or a lost connection can never let a later message overtake an earlier one.
   */
  private transmit(requestIdx: number): void {
    const e = this.outbox.head(requestIdx);
    if (!e || !this.stomp?.connected || this.inFlight.has(requestIdx)) return;
    const wait = e.notBefore - this.clock.now();
    if (wait > 0) {
      this.clock.setTimeout(() => this.transmit(requestIdx), wait);
      return;
    }
    this.inFlight.add(requestIdx);
    const { clientMsgId } = e;
    this.publish('/app/chat.send', { requestIdx, content: e.content, clientMsgId }, { receipt: `send:${clientMsgId}` });
  }

  private sendDone(clientMsgId: string, outcome: { seq: number } | { error: OfficeHoursError }): void {
    const e = this.outbox.get(clientMsgId);
    if (!e) return;
    this.inFlight.delete(e.requestIdx);
    if ('seq' in outcome) this.outbox.settle(clientMsgId, outcome.seq);
    else if (!outcome.error.retryable) this.outbox.fail(clientMsgId, outcome.error);
    else {
      e.rateLimited++;
      e.notBefore = this.clock.now() + Math.max(100, backoffDelay(e.rateLimited, this.options.backoff ?? DEFAULT_BACKOFF));
    }
    this.transmit(e.requestIdx);
  }

  private publish(destination: string, body: object, headers: Record<string, string> = {}): void {
    this.stomp?.publish({ destination, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  }

  private onReceipt(frame: IFrame): void {
    const id = frame.headers['receipt-id'] ?? '';
    if (id.startsWith('send:')) return this.sendDone(id.slice(5), { seq: Number(frame.headers['seq']) });
    if (id === this.refreshing) {
      this.refreshing = undefined;
      return this.setDeadline(frame.headers['session-expires']);
    }
    const room = this.syncs.get(id);
    if (room !== undefined) {
      this.syncs.delete(id);
      for (const e of this.cursors.endSync(room)) this.emit('CHAT', e);
      return;
    }
    this.reads.get(id)?.();
    this.reads.delete(id);
  }

  private onEvent(m: IMessage): void {
    const event = JSON.parse(m.body) as RoomEvent;
    if (event.type !== 'CHAT') return this.emit(event.type, event as never);
    for (const e of this.cursors.offer(event as ChatEvent)) this.emit('CHAT', e);
  }

  private onErrorEvent(m: IMessage): void {
    const body = JSON.parse(m.body) as { type: string; code: ErrorCode; message: string; requestIdx?: number; clientMsgId?: string; expiresAt?: number };
    if (body.type === 'TOKEN_EXPIRING') return void this.refresh();
    const err = new OfficeHoursError(body.code, body.message, body.requestIdx, body.clientMsgId);
    const pending = body.clientMsgId ? this.outbox.get(body.clientMsgId) : undefined;
    if (pending) return this.sendDone(pending.clientMsgId, { error: err });
    if (this.refreshing && PERMANENT_REFRESH_CODES.has(body.code)) {
      // Refused: the session runs to its old deadline, and the watchdog reconnects with a fresh token then.
      this.refreshing = undefined;
    }
    this.emit('error', err);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  private emit<K extends keyof EventMap>(type: K, value: EventMap[K]): void {
    for (const l of this.listeners.get(type) ?? []) l(value);
  }
}

/** The contract's code at the start of an ERROR frame's message (`UNAUTHENTICATED: …`), else INTERNAL. */
function errorCode(message: string | undefined): ErrorCode {
  const m = /^([A-Z_]+):/.exec(message ?? '');
  return (m?.[1] as ErrorCode | undefined) ?? 'INTERNAL';
}
