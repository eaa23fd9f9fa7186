import SockJS from 'sockjs-client';
import { Client } from '@stomp/stompjs';
import { scanKeys } from '../lib/redis/redis-client';
import { startGatewayProcess, type RoleProcess } from './support/child-process';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/round-robin-proxy';
import { startTestSystem, testEnv, type TestSystem } from './support/test-system';

/**
 * A SockJS session id names one session only (the id is the client's choice, so a later client may reuse
 * it): a new session on a reused id starts empty on every gateway and needs its own CONNECT. A refused
 * CONNECT's ERROR reaches the client before the close on every HTTP transport. A closed id answers its
 * close frame for the documented 5 s, then opens a new session.
 */
let sys: TestSystem;
let other: { proc: RoleProcess; port: number };
let proxy: RoundRobinProxy;

beforeAll(async () => {
  sys = await startTestSystem();
  other = await startGatewayProcess({ ...process.env, ...testEnv({}, sys.config.databaseUrl, sys.config.redisPrefix) });
  proxy = await startRoundRobinProxy([sys.gateway.port, other.port]);
}, 30_000);
afterAll(async () => {
  await proxy?.close();
  await other?.proc.kill();
  await sys?.close();
});

/** A raw SockJS HTTP request to a gateway, read to its end. */
async function raw(port: number, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/ws/chat${path}`, { method, body, headers: { connection: 'close' } });
  return { status: res.status, text: await res.text() };
}

const frames = (...stomp: string[]) => JSON.stringify(stomp);
const connect = (token?: string) => `CONNECT\naccept-version:1.2\n${token ? `Authorization:Bearer ${token}\n` : ''}\n\u0000`;

/** Polls the id until it answers `o` (a new session), returning how long after `since` that happened. */
async function pollUntilOpen(port: number, sid: string, since: number): Promise<{ closedAnswers: string[]; afterMs: number }> {
  const closedAnswers: string[] = [];
  for (;;) {
    const r = await raw(port, 'POST', `/000/${sid}/xhr`);
    if (r.text === 'o\n') return { closedAnswers, afterMs: Date.now() - since };
    closedAnswers.push(r.text);
    if (Date.now() - since > 30_000) throw new Error(`the id never reopened: ${closedAnswers.slice(-1)[0]}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a reused SockJS session id', () => {
  it.each([
    ['the same gateway', () => sys.gateway.port],
    ['another gateway', () => other.port],
  ])(
    "does not hand a closed session's undelivered frames to a new session on %s",
    async (_name, reopenPort) => {
      const first = sys.gateway.port;
      const sid = `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      // User A's session, CONNECTED.
      expect((await raw(first, 'POST', `/000/${sid}/xhr`)).text).toBe('o\n');
      const token = sys.token('s-reuse', 'STUDENT');
      expect((await raw(first, 'POST', `/000/${sid}/xhr_send`, frames(connect(token), 'SUBSCRIBE\nid:0\ndestination:/user/queue/chat\n\n\u0000'))).status).toBe(
        204,
      );
      expect((await raw(first, 'POST', `/000/${sid}/xhr`)).text).toMatch(/^a\["CONNECTED\\n/);
      // A second subscription whose RECEIPT (naming A's secret) waits in the outbox: no poll is attached.
      const secret = `secret-of-A-${sid}`;
      expect(
        (await raw(first, 'POST', `/000/${sid}/xhr_send`, frames(`SUBSCRIBE\nid:1\ndestination:/user/queue/errors\nreceipt:${secret}\n\n\u0000`))).status,
      ).toBe(204);
      const queued = async () => {
        const keys: string[] = [];
        for await (const found of scanKeys(sys.core.redis, `${sys.config.redisPrefix}:sockjs:outbox:{${sid}}*`)) keys.push(...found);
        return (await Promise.all(keys.map((k) => sys.core.redis.lrange(k, 0, -1)))).flat().join('');
      };
      const deadline = Date.now() + 10_000;
      while (!(await queued()).includes(secret)) {
        if (Date.now() > deadline) throw new Error('nothing was queued');
        await new Promise((r) => setTimeout(r, 20));
      }
      // A's session ends with frames still queued: DISCONNECT.
      const closedAt = Date.now();
      expect((await raw(first, 'POST', `/000/${sid}/xhr_send`, frames('DISCONNECT\n\n\u0000'))).status).toBe(204);

      // Someone reuses the id as soon as it is free again (without polling it meanwhile), on the chosen gateway.
      const owner = () => sys.core.redis.get(sys.core.keys.sockjsOwner(sid));
      expect(await owner()).toMatch(/^closed /);
      while ((await owner()) !== null) await new Promise((r) => setTimeout(r, 20));
      expect((await raw(reopenPort(), 'POST', `/000/${sid}/xhr`)).text).toBe('o\n');
      expect(Date.now() - closedAt).toBeLessThan(30_000);
      // The new session holds nothing of A's and is not connected: a CONNECT without a token is refused.
      expect((await raw(reopenPort(), 'POST', `/000/${sid}/xhr_send`, frames(connect()))).status).toBe(204);
      // Its polls, on any gateway, carry that ERROR and then the close: nothing of A's.
      let answers = '';
      for (const port of [first, other.port, sys.gateway.port, other.port]) {
        answers += (await raw(port, 'POST', `/000/${sid}/xhr`)).text;
        if (answers.includes('c[')) break;
      }
      expect(answers).toMatch(/^a\["ERROR\\nmessage:UNAUTHENTICATED[^\n]*\nc\[1008,/);
      expect(answers).not.toContain(secret);
    },
    60_000,
  );
});

/** A stock @stomp/stompjs client over sockjs-client with one transport, CONNECTing with a bad token. */
function refusedConnect(port: number, transport: string): Promise<string[]> {
  const seen: string[] = [];
  return new Promise((resolve) => {
    const client = new Client({
      webSocketFactory: () => new SockJS(`http://127.0.0.1:${port}/ws/chat`, undefined, { transports: [transport] }),
      connectHeaders: { Authorization: 'Bearer not-a-token' },
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
    });
    client.onStompError = (f) => seen.push(`ERROR ${f.headers['message']}`);
    client.onWebSocketClose = (e: { code?: number }) => {
      seen.push(`close ${e.code}`);
      void client.deactivate().then(() => resolve(seen));
    };
    client.activate();
  });
}

describe('a refused CONNECT over each SockJS transport', () => {
  it.each([
    ['xhr-polling', 'one gateway'],
    ['xhr-streaming', 'one gateway'],
    ['eventsource', 'one gateway'],
    ['xhr-polling', 'two gateways, each request to the other'],
    ['websocket', 'one gateway'],
  ])('%s, %s: the ERROR frame arrives, then the close', async (transport, where) => {
    const port = where === 'one gateway' ? sys.gateway.port : proxy.port;
    for (let i = 0; i < 3; i++) {
      const seen = await refusedConnect(port, transport);
      expect(seen).toEqual([expect.stringMatching(/^ERROR UNAUTHENTICATED/), 'close 1008']);
    }
  });
});

describe('a closed session id', () => {
  it('answers its close frame for about 5 s, then opens a new session', async () => {
    const sid = `c${Date.now().toString(36)}`;
    expect((await raw(sys.gateway.port, 'POST', `/000/${sid}/xhr`)).text).toBe('o\n');
    expect((await raw(sys.gateway.port, 'POST', `/000/${sid}/xhr_send`, frames(connect('bad')))).status).toBe(204);
    const closedAt = Date.now();
    const { closedAnswers, afterMs } = await pollUntilOpen(sys.gateway.port, sid, closedAt);
    expect(closedAnswers.at(-1)).toMatch(/^c\[1008,/);
    expect(afterMs).toBeGreaterThan(4_000);
    expect(afterMs).toBeLessThan(7_500);
  }, 40_000);
});
