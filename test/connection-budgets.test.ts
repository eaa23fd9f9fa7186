import net from 'node:net';
import WebSocket from 'ws';
import { MAX_REQUEST_HEADERS } from '../gateway/http/header-limits';
import { scanKeys, scanTargets } from '../lib/redis/redis-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * What an unauthenticated client can make a gateway hold: new SockJS sessions and WebSocket upgrades have a
 * per-address budget (WS_SESSIONS_PER_IP_PER_SEC, read behind TRUST_PROXY like every per-IP limit), and
 * requests with too many or too large headers are refused with 431 at once, on REST, SockJS and upgrades.
 */
const PER_SEC = 20;
let sys: TestSystem;

beforeAll(async () => {
  // 127.0.0.1 plays a trusted proxy; clients on 127.0.0.2… are untrusted peers.
  sys = await startTestSystem({ WS_SESSIONS_PER_IP_PER_SEC: String(PER_SEC), TRUST_PROXY: '127.0.0.1/32' });
}, 30_000);
afterAll(() => sys?.close());

/** One raw HTTP/1.1 request from `from`, answered or not: the status line (or '' if the socket closed without one) and how long it took. */
function rawRequest(head: string, from = '127.0.0.2'): Promise<{ status: string; text: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: sys.gateway.port, localAddress: from });
    let text = '';
    socket.setTimeout(20_000, () => socket.destroy(new Error(`no answer in 20 s: ${head.slice(0, 60)}`)));
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: text.split('\r\n')[0] ?? '', text, ms: Date.now() - started }));
    socket.write(head);
  });
}

const request = (method: string, path: string, headers: string[]) =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

/** A new SockJS xhr session from `from` (forwarded as `forwardedFor` when given): its first answer. */
async function openSockJs(from: string, forwardedFor?: string): Promise<string> {
  const sid = `b${Math.random().toString(36).slice(2, 12)}`;
  const r = await rawRequest(request('POST', `/ws/chat/000/${sid}/xhr`, forwardedFor ? [`X-Forwarded-For: ${forwardedFor}`] : []), from);
  return r.text.slice(r.text.indexOf('\r\n\r\n') + 4);
}

/** The most a one-second budget can let through in `ms`: the windows it may have touched. */
const mostIn = (ms: number) => PER_SEC * (Math.ceil(ms / 1000) + 1);

describe('per-address budget of new sessions', () => {
  it('300 SockJS opens from one address: about one second’s budget opens, the rest get a close frame at once, and keep nothing', async () => {
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 300 }, () => openSockJs('127.0.0.3')));
    const ms = Date.now() - started;
    const opened = answers.filter((a) => a === 'o\n').length;
    const refused = answers.filter((a) => a.startsWith('c[1013,"RATE_LIMITED:'));
    expect(opened + refused.length).toBe(300);
    expect(opened).toBeGreaterThanOrEqual(PER_SEC);
    expect(opened).toBeLessThanOrEqual(mostIn(ms));
    expect(ms).toBeLessThan(5_000);
    // A refused open left no session, no Redis key and no subscription behind.
    const prefix = sys.config.redisPrefix;
    const owners: string[] = [];
    for await (const keys of scanKeys(sys.core.redis, `${prefix}:sockjs:owner:*`)) owners.push(...keys);
    expect(owners).toHaveLength(opened);
    // Shard channels are per server: every master of a cluster is asked.
    const servers = await scanTargets(sys.core.redis);
    const channels = await Promise.all(servers.map((r) => r.call('PUBSUB', 'SHARDCHANNELS', `${prefix}:sockjs:wake:*`) as Promise<string[]>));
    expect(channels.flat().length).toBeLessThanOrEqual(opened);
    expect(sys.gateway.sessionCount()).toBeLessThanOrEqual(opened);
  }, 30_000);

  it('300 WebSocket upgrades from one address: most get 429 RATE_LIMITED before the upgrade', async () => {
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from(
        { length: 300 },
        () =>
          new Promise<number>((resolve) => {
            const ws = new WebSocket(`ws://127.0.0.1:${sys.gateway.port}/ws/chat`, ['v12.stomp'], { localAddress: '127.0.0.4' });
            ws.on('open', () => {
              ws.close();
              resolve(101);
            });
            ws.on('unexpected-response', (_req, res) => {
              resolve(res.statusCode ?? 0);
              res.resume();
              ws.terminate();
            });
            ws.on('error', () => resolve(-1));
          }),
      ),
    );
    const ms = Date.now() - started;
    const upgraded = outcomes.filter((s) => s === 101).length;
    expect(outcomes.filter((s) => s === 429).length).toBe(300 - upgraded);
    expect(upgraded).toBeGreaterThanOrEqual(PER_SEC);
    expect(upgraded).toBeLessThanOrEqual(mostIn(ms));
    expect(ms).toBeLessThan(5_000);
  }, 30_000);

  it('is kept per client address: behind the trusted proxy by X-Forwarded-For, and a forged header from elsewhere buys nothing', async () => {
    // Through the proxy, each forwarded client has its own budget.
    const viaProxy = await Promise.all(Array.from({ length: 30 }, (_, i) => openSockJs('127.0.0.1', `198.51.100.${i + 1}`)));
    expect(viaProxy.every((a) => a === 'o\n')).toBe(true);
    // Straight from an untrusted peer, a different X-Forwarded-For each time is ignored: one address, one budget.
    const started = Date.now();
    const forged = await Promise.all(Array.from({ length: 60 }, (_, i) => openSockJs('127.0.0.5', `203.0.113.${i + 1}`)));
    expect(forged.filter((a) => a === 'o\n').length).toBeLessThanOrEqual(mostIn(Date.now() - started));
    expect(forged.filter((a) => a.startsWith('c[1013,')).length).toBeGreaterThan(0);
  }, 30_000);
});

describe('request headers', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `X-Filler-${i}: ${i}`);
  const huge = [`Cookie: a=${'x'.repeat(20 * 1024)}`];
  it.each([
    ['REST', 'GET', '/api/consultation/active'],
    ['SockJS /info', 'GET', '/ws/chat/info'],
    ['a SockJS session', 'POST', '/ws/chat/000/hdrs/xhr'],
    ['xhr_send', 'POST', '/ws/chat/000/hdrs/xhr_send'],
  ])('%s: too many or too large headers get a 431 at once', async (_name, method, path) => {
    for (const headers of [many(MAX_REQUEST_HEADERS), huge]) {
      const r = await rawRequest(request(method, path, headers));
      expect(r.status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect(r.ms).toBeLessThan(1_000);
    }
    // Just within the limits, the same request is served as usual.
    expect((await rawRequest(request(method, path, many(MAX_REQUEST_HEADERS - 4)))).status).not.toMatch(/431/);
  });

  it('a WebSocket upgrade with too many headers gets a 431, not a socket', async () => {
    const upgrade = [
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Protocol: v12.stomp',
    ];
    const head = (extra: string[]) => `GET /ws/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n${[...upgrade, ...extra].map((h) => `${h}\r\n`).join('')}\r\n`;
    const r = await rawRequest(head(many(MAX_REQUEST_HEADERS)));
    expect(r.status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(r.ms).toBeLessThan(1_000);
  });
});
