import { loadConfig } from '../lib/config/config';
import { startGatewayProcess, type RoleProcess } from './support/child-process';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, testEnv, type TestSystem } from './support/test-system';

/** A student on one gateway process and a professor on another: every guarantee holds across them. */
let sys: TestSystem;
let other: { proc: RoleProcess; port: number };
const clients: TestStompClient[] = [];

beforeAll(async () => {
  sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' });
  const env = testEnv({ CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' }, sys.config.databaseUrl, sys.config.redisPrefix);
  expect(loadConfig(env).config.redisPrefix).toBe(sys.config.redisPrefix);
  other = await startGatewayProcess({ ...process.env, ...env });
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
}, 30_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await other.proc.kill();
  await sys.close();
});

it('chat flows both ways across two gateway processes, in the same order for both', async () => {
  const studentToken = sys.token('s1', 'STUDENT');
  const professorToken = sys.token('p1', 'PROFESSOR');
  const r = await sys.http('POST', '/api/consultation/request', { token: studentToken, body: { professorId: 'p1', title: 't', content: 'c' } });
  const id = r.body.requestIdx as number;
  await sys.http('POST', '/api/consultation/approve', { token: professorToken, body: { requestIdx: id } });

  const student = await TestStompClient.connect(sys.gateway.port, studentToken);
  const professor = await TestStompClient.connect(other.port, professorToken);
  clients.push(student, professor);

  await Promise.all([
    Promise.all(Array.from({ length: 200 }, (_, i) => student.send(id, `s${i}`, `s-${i}`))),
    Promise.all(Array.from({ length: 200 }, (_, i) => professor.send(id, `p${i}`, `p-${i}`))),
  ]);
  await student.waitFor(() => student.chat(id).length === 400, 20_000, 'student sees 400');
  await professor.waitFor(() => professor.chat(id).length === 400, 20_000, 'professor sees 400');
  const order = (c: TestStompClient) => c.chat(id).map((e) => `${e.seq}:${e.clientMsgId}`);
  expect(order(student)).toEqual(order(professor));
  expect(student.chat(id).map((e) => e.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  // The SCHEDULED → IN_PROGRESS move happened once, whichever gateway's first message won it.
  for (const c of [student, professor]) {
    expect(c.events.filter((e) => e.requestIdx === id && e.type === 'STATUS')).toEqual([{ type: 'STATUS', requestIdx: id, status: 'IN_PROGRESS' }]);
  }
  // A lifecycle change made through one gateway reaches a session on the other.
  await sys.http('POST', '/api/consultation/end', { token: studentToken, body: { requestIdx: id } });
  await professor.waitFor(() => professor.events.some((e) => e.type === 'STATUS' && e.status === 'COMPLETED'));
});
