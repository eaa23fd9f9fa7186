import { connect, type ConnectionState, type OfficeHoursClient, type OfficeHoursError } from '../client/src';
import { approvedRoom } from './support/approved-room';
import { metricValue } from './support/metric-value';
import { startTcpProxy } from './support/tcp-proxy';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * The client library fails well, used only through its API against a real gateway, on Node 20 without a
 * webSocketFactory (the library loads `ws` itself): a refused token stops it, an oversized send is refused
 * before it goes out, a room one is not in is dropped, a wrong URL is reported, and the REST helpers carry
 * the contract's codes.
 */
let sys: TestSystem;
const clients: OfficeHoursClient[] = [];

beforeAll(async () => {
  sys = await startTestSystem();
  await sys.core.users.upsert({ id: 'p1', name: 'Prof. Lee', role: 'PROFESSOR' });
}, 30_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sys?.close();
});

function open(options: Partial<Parameters<typeof connect>[0]> & Pick<Parameters<typeof connect>[0], 'getToken'>) {
  const client = connect({ url: `ws://127.0.0.1:${sys.gateway.port}/ws/chat`, backoff: { baseMs: 100, maxMs: 1000 }, ...options });
  clients.push(client);
  const states: ConnectionState[] = [];
  const connectErrors: OfficeHoursError[] = [];
  client.on('state', (s) => states.push(s));
  client.on('connectError', (e) => connectErrors.push(e));
  return { client, states, connectErrors };
}

const untilState = (client: OfficeHoursClient, state: ConnectionState) =>
  new Promise<void>((resolve) => (client.state === state ? resolve() : client.on('state', (s) => s === state && resolve())));

it('a bad token: two attempts at most, then unauthenticated; ready and pending sends reject', async () => {
  const before = await metricValue(sys.gateway.metrics.registry, 'oh_gateway_stomp_auth_failures_total');
  let asked = 0;
  const c = open({ getToken: () => (++asked, 'not-a-jwt') });
  const send = c.client.send(1, 'queued before the refusal');
  await expect(c.client.ready).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  await expect(send).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  expect(c.client.state).toBe('unauthenticated');
  expect(c.connectErrors.map((e) => [e.code, e.reason])).toEqual([
    ['UNAUTHENTICATED', 'refused'],
    ['UNAUTHENTICATED', 'refused'],
  ]);
  // The STOMP escape `\c` decoded, and the code not repeated in the message (as a REST refusal says it).
  expect(c.connectErrors[0]!.message).toBe('invalid token');
  await new Promise((r) => setTimeout(r, 1500)); // a retry loop would show within this
  expect(asked).toBe(2);
  expect((await metricValue(sys.gateway.metrics.registry, 'oh_gateway_stomp_auth_failures_total')) - before).toBe(2);
  await expect(c.client.send(1, 'after')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
});

it('a 70,000-character send is refused at once with PAYLOAD_TOO_LARGE; the session stays up and the next send is delivered', async () => {
  const id = await approvedRoom(sys, 's-big');
  const c = open({ getToken: () => sys.token('s-big', 'STUDENT') });
  await c.client.ready;
  expect(c.client.maxMessageChars).toBe(4000);
  await expect(c.client.send(id, 'x'.repeat(70_000))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', retryable: false });
  await expect(c.client.send(id, 'y'.repeat(4001))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  expect(c.client.pendingCount).toBe(0);
  expect(await c.client.send(id, 'small again')).toBeGreaterThan(0);
  expect(c.states).toEqual(['connected']);
  const [page] = await collect(c.client.history(id));
  expect(page!.map((m) => m.content)).toEqual(['small again']);
});

it('a room one is not in: follow and markRead reject with NOT_PARTICIPANT, and the room is not followed again after a reconnect', async () => {
  const theirs = await approvedRoom(sys, 's-owner');
  const proxy = await startTcpProxy(sys.gateway.port);
  const c = open({ url: `ws://127.0.0.1:${proxy.port}/ws/chat`, getToken: () => sys.token('s-stranger', 'STUDENT') });
  const errors: OfficeHoursError[] = [];
  c.client.on('error', (e) => errors.push(e));
  try {
    await c.client.ready;
    await expect(c.client.follow(theirs)).rejects.toMatchObject({ code: 'NOT_PARTICIPANT', requestIdx: theirs });
    await expect(c.client.markRead(theirs)).rejects.toMatchObject({ code: 'NOT_PARTICIPANT' });
    await expect(c.client.typing(theirs)).rejects.toMatchObject({ code: 'NOT_PARTICIPANT' });
    const errorsBefore = errors.length;
    // The connection drops: the client reconnects and syncs what it follows, which is no longer that room.
    const back = untilState(c.client, 'reconnecting').then(() => untilState(c.client, 'connected'));
    proxy.cut();
    proxy.heal();
    await back;
    const mine = await approvedRoom(sys, 's-stranger');
    await c.client.follow(mine); // a later sync answers after any re-follow of the dropped room would have
    expect(errors.slice(errorsBefore)).toEqual([]);
  } finally {
    await proxy.close();
  }
});

it('a wrong URL is a connectError with a reason, retried with backoff', async () => {
  const c = open({ url: 'ws://127.0.0.1:1/ws/chat', getToken: () => sys.token('s-url', 'STUDENT') });
  const first = await new Promise<OfficeHoursError>((resolve) => c.client.once('connectError', resolve));
  expect(first).toMatchObject({ code: 'CONNECTION_FAILED', reason: 'unreachable', retryable: true });
  expect(first.message).toMatch(/ECONNREFUSED/);
  expect(c.client.state).toBe('reconnecting');
  await c.client.close();
  await expect(c.client.ready).rejects.toMatchObject({ code: 'CLOSED' });
  expect(c.client.state).toBe('closed');
});

it('REST helpers: request, approve, lists, search, start, end, export; refusals carry the code and HTTP status', async () => {
  const student = open({ getToken: () => sys.token('s-rest', 'STUDENT', { name: 'Kim' }) });
  const professor = open({ getToken: () => sys.token('p1', 'PROFESSOR', { name: 'Prof. Lee' }) });
  // The professor becomes known (and searchable) when their first authenticated call lands.
  await professor.client.ready;
  const [found] = (await student.client.searchProfessors('lee')).items;
  expect(found).toEqual({ id: 'p1', name: 'Prof. Lee' });
  const asked = await student.client.requestConsultation({ professorId: found!.id, title: 'Midterm', content: 'Problem 3?' });
  expect(asked).toMatchObject({ status: 'PENDING', content: 'Problem 3?', professorName: 'Prof. Lee' });
  expect((await professor.client.receivedRequests({ status: 'PENDING' })).items.map((x) => x.requestIdx)).toContain(asked.requestIdx);
  expect((await professor.client.approveConsultation(asked.requestIdx)).status).toBe('SCHEDULED');
  await expect(student.client.approveConsultation(asked.requestIdx)).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
  await expect(student.client.requestConsultation({ professorId: 'nobody', title: 't', content: 'c' })).rejects.toMatchObject({
    code: 'NOT_FOUND',
    status: 404,
  });
  expect((await student.client.startConsultation(asked.requestIdx)).status).toBe('IN_PROGRESS');
  expect((await student.client.activeConsultations()).items.map((x) => x.requestIdx)).toContain(asked.requestIdx);
  expect((await student.client.endConsultation(asked.requestIdx)).status).toBe('COMPLETED');
  expect((await student.client.pastConsultations({ size: 10 })).items.map((x) => x.requestIdx)).toContain(asked.requestIdx);
  await expect(student.client.cancelConsultation(asked.requestIdx)).rejects.toMatchObject({ code: 'INVALID_STATE_TRANSITION', status: 409 });
  await expect(student.client.downloadArchive(asked.requestIdx)).rejects.toMatchObject({ code: 'NOT_FOUND' }); // no worker here
  const ndjson = await student.client.exportMyData();
  expect(JSON.parse(ndjson.split('\n')[0]!)).toMatchObject({ userId: 's-rest' });
});

it('a URL that cannot be opened at all stops the client at once, with a connectError heard right after connect()', async () => {
  const c = open({ url: 'localhost:8080/ws/chat', getToken: () => sys.token('s-badurl', 'STUDENT') });
  await expect(c.client.ready).rejects.toMatchObject({ code: 'CONNECTION_FAILED', reason: 'unreachable' });
  expect(c.client.state).toBe('closed');
  expect(c.connectErrors.map((e) => e.code)).toEqual(['CONNECTION_FAILED']);
  expect(c.connectErrors[0]!.message).toMatch(/cannot open localhost:8080/);
  await expect(c.client.send(1, 'x')).rejects.toMatchObject({ code: 'CLOSED' });
  await expect(c.client.activeConsultations()).rejects.toMatchObject({ code: 'CONNECTION_FAILED', message: /no valid REST base URL/ });
});

it('a getToken() that throws: the connection and the REST helpers reject with UNAUTHENTICATED and its reason', async () => {
  const c = open({
    getToken: () => {
      throw new Error('identity provider unreachable');
    },
  });
  await expect(c.client.ready).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  // Thrown synchronously inside connect(): still a connectError the listeners attached after connect() hear.
  expect(c.connectErrors.map((e) => e.message)).toContain('getToken failed: identity provider unreachable');
  await expect(c.client.activeConsultations()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'getToken failed: identity provider unreachable' });
});

it('a send left unawaited is no unhandled rejection when the client closes under it; awaiting it still rejects', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const c = open({ url: 'ws://127.0.0.1:1/ws/chat', getToken: () => sys.token('s-fire', 'STUDENT') });
    const kept = c.client.send(1, 'awaited');
    void c.client.send(1, 'fire and forget');
    await c.client.close();
    await expect(kept).rejects.toMatchObject({ code: 'CLOSED' });
    await new Promise((r) => setTimeout(r, 50)); // unhandled rejections are reported after the turn that made them
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}
