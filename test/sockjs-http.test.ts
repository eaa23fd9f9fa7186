import SockJS from 'sockjs-client';
import { approvedRoom } from './support/approved-room';
import { metricValue } from './support/metric-value';
import { stompOver } from './support/stompjs-session';
import { startGatewayProcess, type RoleProcess } from './support/child-process';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/round-robin-proxy';
import { startTestSystem, testEnv, type TestSystem } from './support/test-system';

/**
 * The SockJS HTTP fallbacks (xhr polling, xhr streaming, eventsource) with a stock sockjs-client and
 * @stomp/stompjs: against one gateway, and through a proxy that refuses upgrades and sends each request
 * to the other of two gateways in turn (no sticky sessions).
 */
let sys: TestSystem;
let other: { proc: RoleProcess; port: number };
let proxy: RoundRobinProxy;
const TRANSPORTS = ['xhr-polling', 'xhr-streaming', 'eventsource'] as const;

beforeAll(async () => {
  const limits = { CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' };
  sys = await startTestSystem(limits);
  other = await startGatewayProcess({ ...process.env, ...testEnv(limits, sys.config.databaseUrl, sys.config.redisPrefix) });
  proxy = await startRoundRobinProxy([sys.gateway.port, other.port]);
  await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
}, 30_000);
afterAll(async () => {
  await proxy?.close();
  await other?.proc.kill();
  await sys?.close();
});

/** A stock @stomp/stompjs client over sockjs-client with one transport forced; resolves once CONNECTED. */
const sockJsStomp = (port: number, transport: (typeof TRANSPORTS)[number], token: string) =>
  stompOver(() => new SockJS(`http://127.0.0.1:${port}/ws/chat`, undefined, { transports: [transport] }), token);

async function roundTrip(port: number, transport: (typeof TRANSPORTS)[number], tag: string): Promise<void> {
  const id = await approvedRoom(sys, `s-${tag}`);
  const c = await sockJsStomp(port, transport, sys.token(`s-${tag}`, 'STUDENT'));
  const seqs: number[] = [];
  for (let i = 0; i < 20; i++)
    seqs.push(Number((await c.send('/app/chat.send', { requestIdx: id, content: `${tag} ${i}`, clientMsgId: `${tag}-${i}` }))['seq']));
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  const live = () => c.events.filter((e) => e['type'] === 'CHAT').map((e) => e['content']);
  await c.waitFor(() => live().length === 20, 'live events');
  expect(live()).toEqual(Array.from({ length: 20 }, (_, i) => `${tag} ${i}`));
  await c.send('/app/chat.sync', { requestIdx: id, afterSeq: seqs[9]! });
  await c.waitFor(() => live().length === 30, 'synced events');
  expect(live().slice(20)).toEqual(Array.from({ length: 10 }, (_, i) => `${tag} ${i + 10}`));
  await c.client.deactivate();
}

describe('SockJS HTTP transports', () => {
  it.each(TRANSPORTS)('%s against one gateway: connect, subscribe, send with receipts, sync', async (transport) => {
    await roundTrip(sys.gateway.port, transport, `one-${transport}`);
  });

  it.each(TRANSPORTS)('%s across two gateways with every request sent to the other one in turn', async (transport) => {
    await roundTrip(proxy.port, transport, `two-${transport}`);
    // The session really was served by both gateways.
    const sessions = [...proxy.hits.values()].filter((byTarget) => byTarget.size === 2);
    expect(sessions.length).toBeGreaterThan(0);
  });
});

/** A raw HTTP request to the first gateway, read to its end (or until `until` holds, for streaming ones). */
async function raw(method: string, path: string, body?: string, until?: (text: string) => boolean): Promise<{ status: number; text: string; ended: boolean }> {
  const ctrl = new AbortController();
  const res = await fetch(`http://127.0.0.1:${sys.gateway.port}/ws/chat${path}`, { method, body, headers: { connection: 'close' }, signal: ctrl.signal });
  if (!res.body) return { status: res.status, text: '', ended: true };
  const reader = res.body.getReader();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { status: res.status, text, ended: true };
    text += Buffer.from(value).toString('utf8');
    if (until?.(text)) {
      ctrl.abort();
      return { status: res.status, text, ended: false };
    }
  }
}

const connectFrame = (token: string) => JSON.stringify([`CONNECT\naccept-version:1.2\nAuthorization:Bearer ${token}\n\n\u0000`]);

describe('SockJS HTTP protocol details', () => {
  it('xhr: open frame, xhr_send, a poll carries the answer; a second receiver is refused with 2010', async () => {
    const sid = `p${Date.now().toString(36)}`;
    expect(await raw('POST', `/000/${sid}/xhr`)).toMatchObject({ status: 200, text: 'o\n' });
    const send = await raw('POST', `/000/${sid}/xhr_send`, connectFrame(sys.token('s-raw', 'STUDENT')));
    expect(send.status).toBe(204);
    const poll = await raw('POST', `/000/${sid}/xhr`);
    expect(poll.text).toMatch(/^a\["CONNECTED\\n/);
    // One receiver at a time: a streaming request holds the session, a poll meanwhile gets 2010.
    const ctrl = new AbortController();
    const holding = await fetch(`http://127.0.0.1:${sys.gateway.port}/ws/chat/000/${sid}/xhr_streaming`, { method: 'POST', signal: ctrl.signal });
    await holding.body!.getReader().read(); // the prelude: it is attached
    expect((await raw('POST', `/000/${sid}/xhr`)).text).toBe('c[2010,"Another connection still open"]\n');
    ctrl.abort();
  });

  it('xhr_send: 404 for an unknown session, 500 for an empty or broken body', async () => {
    expect((await raw('POST', '/000/nosuchsession/xhr_send', '["x"]')).status).toBe(404);
    const sid = `e${Date.now().toString(36)}`;
    await raw('POST', `/000/${sid}/xhr`);
    expect(await raw('POST', `/000/${sid}/xhr_send`, '')).toMatchObject({ status: 500, text: 'Payload expected.' });
    expect(await raw('POST', `/000/${sid}/xhr_send`, '[broken')).toMatchObject({ status: 500, text: 'Broken JSON encoding.' });
    expect((await raw('POST', '/000/bad.id/xhr')).status).toBe(404);
  });

  it('every SockJS response is an HTTP exchange like REST: request id, CORS, the request metric; an oversized send is 413', async () => {
    const sid = `r${Date.now().toString(36)}`;
    const url = (path: string) => `http://127.0.0.1:${sys.gateway.port}/ws/chat${path}`;
    const route = { route: '/ws/chat/:server/:session/xhr' };
    const before = await metricValue(sys.core.registry, 'oh_gateway_http_requests_total', route);
    const res = await fetch(url(`/000/${sid}/xhr`), {
      method: 'POST',
      headers: { 'x-request-id': 'trace-me', origin: 'https://app.example', connection: 'close' },
    });
    expect(res.headers.get('x-request-id')).toBe('trace-me');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(await res.text()).toBe('o\n');
    expect(await metricValue(sys.core.registry, 'oh_gateway_http_requests_total', route)).toBe(before + 1);
    const big = await fetch(url(`/000/${sid}/xhr_send`), { method: 'POST', body: JSON.stringify(['x'.repeat(70_000)]), headers: { connection: 'close' } });
    expect(big.status).toBe(413);
    expect(big.headers.get('x-request-id')).toBeTruthy();
  });

  it('xhr_streaming and eventsource framing; a streaming response ends after 128 KiB and the next one continues', async () => {
    const streaming = await raw('POST', `/000/s${Date.now().toString(36)}/xhr_streaming`, undefined, (t) => t.endsWith('o\n'));
    expect(streaming.text).toBe(`${'h'.repeat(2048)}\no\n`);
    const es = await raw('GET', `/000/v${Date.now().toString(36)}/eventsource`, undefined, (t) => t.includes('data: o'));
    expect(es.text).toBe('\r\ndata: o\r\n\r\n');

    const id = await approvedRoom(sys, 's-big');
    const token = sys.token('s-big', 'STUDENT');
    const c = await sockJsStomp(sys.gateway.port, 'xhr-streaming', token);
    const text = 'x'.repeat(3000);
    for (let i = 0; i < 60; i++) await c.send('/app/chat.send', { requestIdx: id, content: `${i} ${text}`, clientMsgId: `big-${i}` });
    await c.client.deactivate();
    // A raw session syncs 180 KB of messages: the first response ends past 128 KiB, the next has the rest.
    const sid = `b${Date.now().toString(36)}`;
    await raw('POST', `/000/${sid}/xhr`);
    await raw('POST', `/000/${sid}/xhr_send`, connectFrame(token));
    await raw('POST', `/000/${sid}/xhr`);
    const sync = `SEND\ndestination:/app/chat.sync\ncontent-type:application/json\n\n${JSON.stringify({ requestIdx: id, afterSeq: 0 })}\u0000`;
    await raw('POST', `/000/${sid}/xhr_send`, JSON.stringify(['SUBSCRIBE\nid:0\ndestination:/user/queue/chat\n\n\u0000', sync]));
    const first = await raw('POST', `/000/${sid}/xhr_streaming`);
    expect(first.ended).toBe(true);
    expect(Buffer.byteLength(first.text)).toBeGreaterThanOrEqual(128 * 1024);
    expect(Array.from({ length: 60 }, (_, i) => first.text.includes(`\\"content\\":\\"${i} xxx`))).toEqual(Array(60).fill(true));
    // The client opens the next streaming request, and the session goes on there.
    const second = raw('POST', `/000/${sid}/xhr_streaming`, undefined, (t) => t.includes('after the limit'));
    const more = `SEND\ndestination:/app/chat.send\ncontent-type:application/json\n\n${JSON.stringify({ requestIdx: id, content: 'after the limit', clientMsgId: 'big-after' })}\u0000`;
    expect((await raw('POST', `/000/${sid}/xhr_send`, JSON.stringify([more]))).status).toBe(204);
    expect((await second).text).toContain('after the limit');
  });

  it('closes a session that has no receiving request for 5 s: its id then opens a new session', async () => {
    const sid = `t${Date.now().toString(36)}`;
    await raw('POST', `/000/${sid}/xhr`);
    const owner = () => sys.core.redis.get(sys.core.keys.sockjsOwner(sid));
    expect(await owner()).not.toBeNull();
    const deadline = Date.now() + 10_000;
    while ((await owner()) !== null) {
      if (Date.now() > deadline) throw new Error('session was not closed');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await raw('POST', `/000/${sid}/xhr`)).text).toBe('o\n');
  });
});

describe('a gateway that dies', () => {
  it('ends its SockJS sessions like WebSocket ones: the client sees the close, reconnects and syncs everything', async () => {
    const id = await approvedRoom(sys, 's-dies');
    const token = sys.token('s-dies', 'STUDENT');
    const c = await sockJsStomp(proxy.port, 'xhr-polling', token);
    for (let i = 0; i < 5; i++) await c.send('/app/chat.send', { requestIdx: id, content: `before ${i}`, clientMsgId: `dies-${i}` });
    const closed = new Promise<void>((resolve) => (c.client.onWebSocketClose = () => resolve()));
    await other.proc.kill('SIGKILL');
    await closed;
    const again = await sockJsStomp(sys.gateway.port, 'xhr-polling', token);
    await again.send('/app/chat.sync', { requestIdx: id, afterSeq: 0 });
    await again.waitFor(() => again.events.filter((e) => e['type'] === 'CHAT').length === 5, 'synced');
    expect(again.events.map((e) => e['content'])).toEqual([0, 1, 2, 3, 4].map((i) => `before ${i}`));
    await again.client.deactivate();
  });
});
