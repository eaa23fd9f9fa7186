import { eventually } from './support/eventually';
import { RawSocket } from './support/raw-websocket';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * One authenticated user behaving badly, with the documented default budgets (issue 15): floods of every
 * destination, many sessions, many REST calls, an over-full log. Refusals are RATE_LIMITED or
 * PAYLOAD_TOO_LARGE in the contract's format; the gateway keeps serving everyone else.
 */
let sys: TestSystem;
let id: number;
const clients: TestStompClient[] = [];
const sockets: RawSocket[] = [];
const DEFAULT_LIMITS = { REST_RATE_PER_SEC: '20', REST_BURST: '60', REST_IP_RATE_PER_SEC: '100000', STOMP_RATE_PER_SEC: '10', STOMP_BURST: '30' };

beforeAll(async () => {
  sys = await startTestSystem({
    ...DEFAULT_LIMITS,
    CHAT_MAX_SESSIONS_PER_USER: '3',
    CHAT_MAX_LOG_MESSAGES: '45',
    CHAT_SEND_RATE_PER_SEC: '20',
    CHAT_SEND_BURST: '40',
  });
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
  const r = await sys.http('POST', '/api/consultation/request', { token: sys.token('s1', 'STUDENT'), body: { professorId: 'p1', title: 't', content: 'c' } });
  id = r.body.requestIdx;
  await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: id } });
});
afterAll(async () => {
  for (const s of sockets) s.ws.terminate();
  await Promise.all(clients.map((c) => c.close()));
  await sys.close();
});

const connect = async (user: string, role: 'STUDENT' | 'PROFESSOR') => {
  const c = await TestStompClient.connect(sys.gateway.port, sys.token(user, role));
  clients.push(c);
  return c;
};
const frame = (destination: string, body: object) => `SEND\ndestination:${destination}\ncontent-type:application/json\n\n${JSON.stringify(body)}\0`;
const connectFrame = (token: string) => `CONNECT\naccept-version:1.2\nheart-beat:0,0\nAuthorization:Bearer ${token}\n\n\0`;

it('one WebSocket message of 2,000 chat.read frames closes the session instead of queueing them; the peer sees only a budget of READs', async () => {
  const peer = await connect('p1', 'PROFESSOR');
  const raw = await RawSocket.open(sys.gateway.port);
  sockets.push(raw);
  raw.send(connectFrame(sys.token('s1', 'STUDENT')));
  await eventually(async () => raw.received.some((f) => f.startsWith('CONNECTED')), 5000, 'CONNECTED');
  raw.send(frame('/app/chat.read', { requestIdx: id }).repeat(2000));
  await raw.waitClosed();
  expect(raw.errorFrames()[0]).toMatch(/RATE_LIMITED/);
  // Below the frame bound, each chat.read spends the user's shared budget (burst 30).
  const paced = await RawSocket.open(sys.gateway.port);
  sockets.push(paced);
  paced.send(connectFrame(sys.token('s1', 'STUDENT')));
  await eventually(async () => paced.received.some((f) => f.startsWith('CONNECTED')), 5000, 'CONNECTED');
  paced.send('SUBSCRIBE\nid:e\ndestination:/user/queue/errors\n\n\0');
  for (let i = 0; i < 200; i++) paced.send(frame('/app/chat.read', { requestIdx: id }));
  await eventually(async () => paced.received.filter((f) => f.includes('RATE_LIMITED')).length >= 100, 10_000, 'refusals');
  const reads = peer.events.filter((e) => e.type === 'READ').length;
  expect(reads).toBeLessThanOrEqual(60);
  const metrics = await sys.http('GET', '/metrics');
  expect(metrics.body).toMatch(/oh_gateway_rate_limited_total\{kind="frames"\} [1-9]/);
  expect(metrics.body).toMatch(/oh_gateway_rate_limited_total\{kind="chat.read"\} [1-9]/);
});

it.each([
  ['chat.sync', (i: number) => frame('/app/chat.sync', { requestIdx: id, afterSeq: 0, i })],
  ['chat.typing', (i: number) => frame('/app/chat.typing', { requestIdx: id, i })],
  ['subscribe', (i: number) => `SUBSCRIBE\nid:s\ndestination:/user/queue/chat\nreceipt:r${i}\n\n\0UNSUBSCRIBE\nid:s\n\n\0`],
])('a flood of %s spends the shared budget: RATE_LIMITED errors, the session stays usable', async (kind, make) => {
  const raw = await RawSocket.open(sys.gateway.port);
  sockets.push(raw);
  raw.send(connectFrame(sys.token(`flood-${kind}`, 'STUDENT')));
  await eventually(async () => raw.received.some((f) => f.startsWith('CONNECTED')), 5000, 'CONNECTED');
  raw.send('SUBSCRIBE\nid:e\ndestination:/user/queue/errors\n\n\0');
  for (let i = 0; i < 120; i++) raw.send(make(i));
  await eventually(async () => raw.received.filter((f) => f.includes('RATE_LIMITED')).length >= 60, 10_000, `${kind} refusals`);
  expect(raw.ws.readyState).toBe(raw.ws.OPEN);
  const metrics = await sys.http('GET', '/metrics');
  expect(metrics.body).toMatch(new RegExp(`oh_gateway_rate_limited_total\\{kind="${kind}"\\} [1-9]`));
});

it('a 20 MiB flood of frames is refused at the first oversized batch, and the gateway keeps serving', async () => {
  const raw = await RawSocket.open(sys.gateway.port);
  sockets.push(raw);
  raw.send(connectFrame(sys.token('s7', 'STUDENT')));
  await eventually(async () => raw.received.some((f) => f.startsWith('CONNECTED')), 5000, 'CONNECTED');
  const batch = frame('/app/chat.typing', { requestIdx: id }).repeat(1000);
  for (let sent = 0; sent < 20 * 1024 * 1024 && raw.ws.readyState === raw.ws.OPEN; sent += batch.length) raw.send(batch.slice(0, 60_000));
  await raw.waitClosed();
  expect((await sys.http('GET', '/healthz')).status).toBe(200);
});

it('a user may hold CHAT_MAX_SESSIONS_PER_USER sessions; one more gets an ERROR (RATE_LIMITED) and a close', async () => {
  const mine = [await connect('s2', 'STUDENT'), await connect('s2', 'STUDENT'), await connect('s2', 'STUDENT')];
  await expect(TestStompClient.connect(sys.gateway.port, sys.token('s2', 'STUDENT'))).rejects.toThrow(/RATE_LIMITED/);
  expect((await sys.http('GET', '/metrics')).body).toMatch(/oh_gateway_rate_limited_total\{kind="sessions"\} 1/);
  await mine[0]!.close();
  await eventually(async () => (await sys.core.redis.zcard(sys.core.keys.presence('s2'))) === 2, 5000, 'session left');
  await connect('s2', 'STUDENT');
});

it('300 concurrent REST calls from one student: the budget passes, the rest get 429 RATE_LIMITED', async () => {
  const token = sys.token('s3', 'STUDENT');
  const results = await Promise.all(Array.from({ length: 300 }, () => sys.http('GET', '/api/consultation/active', { token })));
  const ok = results.filter((r) => r.status === 200).length;
  const limited = results.filter((r) => r.status === 429);
  expect(ok).toBeGreaterThanOrEqual(60);
  expect(ok).toBeLessThanOrEqual(120);
  expect(limited.length).toBe(300 - ok);
  expect(limited[0]!.body.error).toEqual({ code: 'RATE_LIMITED', message: expect.stringMatching(/retry in/) });
  // Another user is not affected.
  expect((await sys.http('GET', '/api/consultation/active', { token: sys.token('s4', 'STUDENT') })).status).toBe(200);
});

it("chat.send beyond the user's rate is refused inside the append (RATE_LIMITED), and a full log refuses with PAYLOAD_TOO_LARGE", async () => {
  const c = await connect('s1', 'STUDENT');
  const outcomes = await Promise.allSettled(Array.from({ length: 80 }, (_, i) => c.send(id, `m${i}`, `flood-${i}`)));
  const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason));
  expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThanOrEqual(40);
  expect(refused.length).toBeGreaterThan(0);
  // 45 messages fill this room's log (CHAT_MAX_LOG_MESSAGES): the refusals are the rate limit, then the cap.
  expect(refused.every((r) => /RATE_LIMITED|PAYLOAD_TOO_LARGE/.test(r))).toBe(true);
  await eventually(
    async () => {
      const r = await c.send(id, 'one more', `late-${Date.now()}`).catch((err: unknown) => String(err));
      return typeof r === 'string' && /PAYLOAD_TOO_LARGE/.test(r);
    },
    10_000,
    'log cap',
  );
  const stored = await sys.core.hotLog.roomMessages.readRaw(id, 0, 500, true);
  expect(stored.length).toBeLessThanOrEqual(45);
});
