/** Builds the socket for one connection attempt (what `@stomp/stompjs` calls its webSocketFactory). */
export type WebSocketFactory = (url: string) => unknown;

export const STOMP_SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'];

/**
 * The platform's WebSocket where there is one (browsers, Node 22+); on Node 20 the `ws` package, loaded
 * only then (a dynamic import, so browser bundles leave it out).
 */
export async function defaultWebSocketFactory(): Promise<WebSocketFactory> {
  const native = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => unknown }).WebSocket;
  if (native) return (url) => new native(url, STOMP_SUBPROTOCOLS);
  const mod = (await import('ws')) as unknown as { default: new (url: string, protocols: string[]) => unknown };
  const Ws = mod.default;
  return (url) => new Ws(url, STOMP_SUBPROTOCOLS);
}

/** What a socket error says: ws's ErrorEvent has a message (ECONNREFUSED, "Unexpected server response: 404"); a browser's says nothing. */
export function describeSocketError(ev: unknown): string {
  const e = ev as { message?: unknown; error?: { message?: unknown } } | undefined;
  const message = e?.message ?? e?.error?.message;
  return typeof message === 'string' && message ? message : 'WebSocket error';
}
