import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  readonly port: number;
  /** Requests forwarded to each target port, by SockJS session id (the path's third segment under /ws/chat). */
  readonly hits: Map<string, Map<number, number>>;
  /** WebSocket upgrades refused so far. */
  readonly refusedUpgrades: number;
  close(): Promise<void>;
}

/**
 * An HTTP proxy of the test's own that sends each request to the next target in turn (the worst case of
 * gateways sharing a port with no sticky sessions) and refuses every WebSocket upgrade, as the campus
 * proxies do that SockJS's HTTP fallbacks exist for. Paths under `/static/` are served from `files`.
 */
export async function startRoundRobinProxy(targets: readonly number[], files: Record<string, { type: string; body: string }> = {}): Promise<RoundRobinProxy> {
  let next = 0;
  let refused = 0;
  const hits = new Map<string, Map<number, number>>();
  const server = http.createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (file) {
      res.writeHead(200, { 'content-type': file.type, connection: 'close' });
      res.end(file.body);
      return;
    }
    const target = targets[next++ % targets.length]!;
    const session = /^\/ws\/chat\/[^/]+\/([^/]+)\//.exec(req.url ?? '')?.[1];
    if (session) {
      const byTarget = hits.get(session) ?? new Map<number, number>();
      byTarget.set(target, (byTarget.get(target) ?? 0) + 1);
      hits.set(session, byTarget);
    }
    const upstream = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (_req, socket) => {
    refused++;
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    get refusedUpgrades() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
