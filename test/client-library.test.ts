import WebSocket from 'ws';
import { connect, type ChatEvent, type Clock, type ConnectionState, type OfficeHoursClient, type OfficeHoursError } from '../client/src';
import { approvedRoom } from './support/approved-room';
import { startGatewayProcess, type RoleProcess } from './support/child-process';
import { startTestSystem, testEnv, type TestSystem } from './support/test-system';

/**
 * The client library against real gateways, used only through its API: a gateway killed mid-burst, tokens
 * that expire three times over, a refused refresh, and a laptop that sleeps past its token's expiry.
 */
let sys: TestSystem;
let other: { proc: RoleProcess; port: number };
const clients: OfficeHoursClient[] = [];
// A small chat.send budget, so bursts meet RATE_LIMITED and the library has to honour it.
const ENV = { CHAT_SEND_RATE_PER_SEC: '100', CHAT_SEND_BURST: '40', STOMP_TOKEN_GRACE_MS: '500' };

beforeAll(async () => {
  sys = await startTestSystem(ENV);
  other = await startGatewayProcess({ ...process.env, ...testEnv(ENV, sys.config.databaseUrl, sys.config.redisPrefix) });
  await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
}, 30_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await other?.proc.kill('SIGKILL');
  await sys?.close();
});

const ws = (url: string) => new WebSocket(url, ['v12.stomp']);
const gatewayUrl = (port: number) => `ws://127.0.0.1:${port}/ws/chat`;

function open(options: Parameters<typeof connect>[0]): { client: OfficeHoursClient; chat: ChatEvent[]; states: ConnectionState[]; errors: OfficeHoursError[] } {
  const client = connect({ webSocketFactory: ws, backoff: { baseMs: 100, maxMs: 1000 }, ...options });
  clients.push(client);
  const chat: ChatEvent[] = [];
  const states: ConnectionState[] = [];
  const errors: OfficeHoursError[] = [];
  client.on('CHAT', (e) => chat.push(e));
  client.on('state', (s) => states.push(s));
  client.on('error', (e) => errors.push(e));
  return { client, chat, states, errors };
}

async function until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('SIGKILL of the sender’s gateway mid-burst: every send resolves, and the peer gets each message once, in order', async () => {
  const id = await approvedRoom(sys, 's-burst');
  let aAlive = true;
  const peer = open({ url: gatewayUrl(sys.gateway.port), getToken: () => sys.token('p1', 'PROFESSOR'), rooms: [id] });
  const sender = open({ url: () => gatewayUrl(aAlive ? other.port : sys.gateway.port), getToken: () => sys.token('s-burst', 'STUDENT'), outboxLimit: 500 });
  await Promise.all([peer.client.ready, sender.client.ready]);
  const sends = Array.from({ length: 200 }, (_, i) => sender.client.send(id, `burst ${i}`));
  expect(sender.client.pendingCount).toBeGreaterThan(0);
  await until(() => peer.chat.length >= 30, 'the burst under way');
  aAlive = false;
  await other.proc.kill('SIGKILL');
  other = await startGatewayProcess({ ...process.env, ...testEnv(ENV, sys.config.databaseUrl, sys.config.redisPrefix) });
  const seqs = await Promise.all(sends);
  expect(new Set(seqs).size).toBe(200);
  expect(sender.client.pendingCount).toBe(0);
  expect(sender.states).toContain('reconnecting');
  await until(() => peer.chat.length >= 200, 'the peer has every message');
  expect(peer.chat.map((e) => e.content)).toEqual(Array.from({ length: 200 }, (_, i) => `burst ${i}`));
  expect(peer.chat.map((e) => e.seq)).toEqual([...seqs].sort((a, b) => a - b));
}, 60_000);

it('three token lifetimes pass with no disconnect while getToken() changes roles', async () => {
  const id = await approvedRoom(sys, 's-refresh');
  let calls = 0;
  const c = open({
    url: gatewayUrl(sys.gateway.port),
    rooms: [id],
    getToken: () => sys.token('s-refresh', ++calls % 2 ? ['STUDENT'] : ['STUDENT', 'ADMIN'], { expiresInSec: 3 }),
  });
  await c.client.ready;
  const started = Date.now();
  await until(() => Date.now() - started > 9_500, 'three lifetimes', 15_000);
  expect(calls).toBeGreaterThanOrEqual(4);
  expect(c.states).toEqual(['connected']);
  expect(c.errors).toEqual([]);
  expect(await c.client.send(id, 'still here')).toBeGreaterThan(0);
  await until(() => c.chat.some((e) => e.content === 'still here'), 'own message');
}, 20_000);

it('a refresh carrying another sub is refused, and the session ends at its old deadline', async () => {
  let calls = 0;
  const c = open({ url: gatewayUrl(sys.gateway.port), getToken: () => sys.token(++calls === 1 ? 's-sub' : 's-intruder', 'STUDENT', { expiresInSec: 3 }) });
  await c.client.ready;
  const connectedAt = Date.now();
  await until(() => c.errors.length > 0, 'the refusal');
  expect(c.errors[0]!.code).toBe('UNAUTHENTICATED');
  expect(c.client.state).toBe('connected');
  await until(() => c.states.includes('reconnecting'), 'the end of the session', 10_000);
  // Tokens carry whole seconds: the old deadline is 2–3 s after the connect.
  expect(Date.now() - connectedAt).toBeGreaterThanOrEqual(1900);
}, 20_000);

it('a laptop that sleeps past its token’s expiry wakes up, reconnects and syncs: no duplicate, no loss', async () => {
  const id = await approvedRoom(sys, 's-sleep');
  let offset = 0;
  const clock: Clock = {
    now: () => Date.now() + offset,
    setTimeout: (cb, ms) => setTimeout(cb, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    setInterval: (cb, ms) => setInterval(cb, ms),
    clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  };
  const sleeper = open({ url: gatewayUrl(sys.gateway.port), rooms: [id], clock, getToken: () => sys.token('s-sleep', 'STUDENT', { expiresInSec: 120 }) });
  const peer = open({ url: gatewayUrl(other.port), getToken: () => sys.token('p1', 'PROFESSOR') });
  await Promise.all([sleeper.client.ready, peer.client.ready]);
  for (let i = 0; i < 3; i++) await peer.client.send(id, `awake ${i}`);
  await until(() => sleeper.chat.length === 3, 'live messages');
  // The lid closes: two hours pass on the wall clock, and messages arrive meanwhile.
  offset += 2 * 3600_000;
  for (let i = 0; i < 5; i++) await peer.client.send(id, `asleep ${i}`);
  await until(() => sleeper.states.includes('reconnecting'), 'the wake-up');
  await until(() => sleeper.client.state === 'connected' && sleeper.chat.length >= 8, 'synced after the wake-up');
  await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive within this
  expect(sleeper.chat.map((e) => e.content)).toEqual([...[0, 1, 2].map((i) => `awake ${i}`), ...[0, 1, 2, 3, 4].map((i) => `asleep ${i}`)]);
}, 30_000);

it('refuses for good what cannot pass, and says how many sends wait', async () => {
  const id = await approvedRoom(sys, 's-refused');
  const c = open({ url: gatewayUrl(sys.gateway.port), getToken: () => sys.token('s-refused', 'STUDENT'), outboxLimit: 2 });
  await c.client.ready;
  expect((await sys.http('POST', '/api/consultation/cancel', { token: sys.token('s-refused', 'STUDENT'), body: { requestIdx: id } })).status).toBe(200);
  await expect(c.client.send(id, 'too late')).rejects.toMatchObject({ code: 'INVALID_STATE_TRANSITION', retryable: false });
  const other999 = await approvedRoom(sys, 's-other');
  await expect(c.client.send(other999, 'not mine')).rejects.toMatchObject({ code: 'NOT_PARTICIPANT' });
  const open2 = await approvedRoom(sys, 's-refused');
  const a = c.client.send(open2, 'x');
  const b = c.client.send(open2, 'y');
  expect(c.client.pendingCount).toBe(2);
  await expect(c.client.send(open2, 'z')).rejects.toMatchObject({ code: 'OUTBOX_FULL' });
  await Promise.all([a, b]);
  // The history pager over REST, one message per page.
  const pages: string[][] = [];
  for await (const page of c.client.history(open2, { pageSize: 1 })) pages.push(page.map((m) => m.content));
  expect(pages).toEqual([['x'], ['y']]);
});
