import { Client, type IFrame, type IMessage } from '@stomp/stompjs';
import WebSocket from 'ws';

export type AuthVia = 'header' | 'passcode' | 'query' | 'none';

export interface ChatEvent {
  type: string;
  requestIdx: number;
  seq?: number;
  content?: string;
  clientMsgId?: string;
  senderId?: string;
  [k: string]: unknown;
}

/**
 * An unmodified @stomp/stompjs client over `ws`, with the events it received and helpers to await them.
 * Nothing here sleeps: every wait resolves on an event, or fails at its deadline.
 */
export class TestStompClient {
  readonly events: ChatEvent[] = [];
  readonly errors: ChatEvent[] = [];
  readonly headers: IMessage['headers'][] = [];
  closed: { code: number; reason: string } | undefined;
  connectedHeaders: Record<string, string> = {};
  stompError: IFrame | undefined;
  private waiters: (() => void)[] = [];
  private receiptCounter = 0;

  constructor(readonly client: Client) {}

  /**
   * Connects; a socket dropped before CONNECTED with no refusal and no socket error (1006) is tried again,
   * twice at most, as the client library would. Seen on role processes of loaded CI runs (not yet explained,
   * see the closing note of 2026-12-06); a refusal (ERROR frame, HTTP status) is never retried.
   */
  static async connect(
    port: number,
    token: string | undefined,
    options: { via?: AuthVia; heartbeat?: [number, number]; subscribe?: boolean; protocols?: string[]; ack?: string } = {},
  ): Promise<TestStompClient> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await TestStompClient.connectOnce(port, token, options);
      } catch (err) {
        if (attempt >= 3 || !/^closed before CONNECTED: 1006$/.test((err as Error).message)) throw err;
      }
    }
  }

  private static async connectOnce(
    port: number,
    token: string | undefined,
    options: { via?: AuthVia; heartbeat?: [number, number]; subscribe?: boolean; protocols?: string[]; ack?: string } = {},
  ): Promise<TestStompClient> {
    const via = options.via ?? 'header';
    const query = via === 'query' && token ? `?access_token=${encodeURIComponent(token)}` : '';
    const connectHeaders: Record<string, string> = {};
    if (via === 'header' && token) connectHeaders['Authorization'] = `Bearer ${token}`;
    if (via === 'passcode' && token) connectHeaders['passcode'] = token;
    // Why a socket failed (a refused upgrade's status, a reset): the close event alone says only 1006.
    let socketError = '';
    const client = new Client({
      webSocketFactory: () => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat${query}`, options.protocols ?? ['v12.stomp']);
        ws.on('error', (err) => (socketError = `; socket error: ${err.message}`));
        return ws;
      },
      connectHeaders,
      reconnectDelay: 0,
      heartbeatIncoming: options.heartbeat?.[1] ?? 0,
      heartbeatOutgoing: options.heartbeat?.[0] ?? 0,
      debug: () => undefined,
    });
    const t = new TestStompClient(client);
    client.onWebSocketClose = (evt: { code: number; reason: string }) => {
      t.closed = { code: evt.code, reason: evt.reason };
      t.notify();
    };
    client.onStompError = (frame) => {
      t.stompError = frame;
      t.notify();
    };
    const connected = new Promise<void>((resolve, reject) => {
      client.onConnect = (frame) => {
        t.connectedHeaders = frame.headers;
        resolve();
      };
      const prevClose = client.onWebSocketClose;
      client.onWebSocketClose = (evt) => {
        prevClose(evt);
        reject(new Error(`closed before CONNECTED: ${t.stompError?.headers['message'] ?? `${evt.code}${evt.reason ? ` ${evt.reason}` : ''}${socketError}`}`));
      };
    });
    client.activate();
    await connected;
    if (options.subscribe !== false) await t.subscribeAll(options.ack);
    return t;
  }

  async subscribeAll(ack?: string): Promise<void> {
    const headers: Record<string, string> = ack ? { ack } : {};
    this.client.subscribe('/user/queue/chat', (m) => this.push(this.events, m), headers);
    // The receipt of the second SUBSCRIBE proves both were processed (frames are handled in order).
    const receipt = `sub-${++this.receiptCounter}`;
    let done = false;
    this.client.watchForReceipt(receipt, () => {
      done = true;
      this.notify();
    });
    this.client.subscribe('/user/queue/errors', (m) => this.push(this.errors, m), { ...headers, receipt });
    await this.waitFor(() => done, 10_000, 'subscription receipt');
  }

  private push(list: ChatEvent[], m: IMessage): void {
    list.push(JSON.parse(m.body) as ChatEvent);
    this.headers.push(m.headers);
    this.notify();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when `predicate` holds, re-checked on every event; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => {
        if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  chat(requestIdx?: number): ChatEvent[] {
    return this.events.filter((e) => e.type === 'CHAT' && (requestIdx === undefined || e.requestIdx === requestIdx));
  }

  /**
   * Publishes and resolves with the RECEIPT headers; rejects when an ERROR event for this frame (same
   * clientMsgId, or any new error when the body has none) or a close comes first.
   */
  publishWithReceipt(destination: string, body: string, headers: Record<string, string> = {}): Promise<Record<string, string>> {
    const receipt = `r-${++this.receiptCounter}`;
    const errorsBefore = this.errors.length;
    let clientMsgId: unknown;
    try {
      clientMsgId = (JSON.parse(body) as { clientMsgId?: unknown }).clientMsgId;
    } catch {
      clientMsgId = undefined;
    }
    const mine = () => this.errors.slice(errorsBefore).find((e) => e.type === 'ERROR' && (clientMsgId === undefined || e.clientMsgId === clientMsgId));
    return new Promise((resolve, reject) => {
      let done = false;
      this.client.watchForReceipt(receipt, (frame) => {
        done = true;
        resolve(frame.headers);
        this.notify();
      });
      this.client.publish({ destination, body, headers: { receipt, 'content-type': 'application/json', ...headers } });
      this.waitFor(() => done || mine() !== undefined || this.closed !== undefined, 10_000, `receipt ${receipt}`)
        .then(() => {
          if (!done) reject(new Error(`refused: ${JSON.stringify(mine() ?? this.closed)}`));
        })
        .catch(reject);
    });
  }

  send(requestIdx: number, content: string, clientMsgId: string): Promise<Record<string, string>> {
    return this.publishWithReceipt('/app/chat.send', JSON.stringify({ requestIdx, content, clientMsgId }));
  }

  waitClosed(timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => this.closed !== undefined, timeoutMs, 'socket close');
  }

  async close(): Promise<void> {
    await this.client.deactivate();
  }
}
