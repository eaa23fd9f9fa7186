import type { BackoffOptions } from './backoff';
import type { Clock } from './clock';
import type { WebSocketFactory } from './websocket-factory';

/** What `connect()` takes (see client/README.md). */
export interface ConnectOptions {
  /** The STOMP endpoint, e.g. `wss://campus.example/ws/chat`; a function is asked again on every reconnect. */
  url: string | (() => string);
  /** A valid access token; called at every connect, before every refresh and for every REST call. */
  getToken(): string | Promise<string>;
  /** Base URL of the REST API (default: the origin of `url`). */
  restUrl?: string;
  /** Default: the platform's WebSocket, or the `ws` package on Node 20 (`npm install ws`). */
  webSocketFactory?: WebSocketFactory;
  /** Rooms to follow from the start: they are synced after every reconnect (rooms seen in events are followed too). */
  rooms?: readonly number[];
  /** Sends waiting for their RECEIPT at most (default 100); past it `send()` rejects with OUTBOX_FULL. */
  outboxLimit?: number;
  /** Reconnect delays (default: full jitter from 0.5 s, capped at 10 s). */
  backoff?: BackoffOptions;
  /** How long before the session's deadline the token is refreshed (default 30 s; at most half the lifetime). */
  refreshAheadMs?: number;
  /** STOMP heart-beats both ways (default 10 s). */
  heartbeatMs?: number;
  /** A connection attempt without CONNECTED by then is given up and retried (default 10 s). */
  connectTimeoutMs?: number;
  clock?: Clock;
  /** Default: the global `fetch`, bound to `globalThis` (browsers refuse it unbound). */
  fetch?: typeof fetch;
}
