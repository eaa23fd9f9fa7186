import { randomBytes } from 'node:crypto';
import { RawSocket } from './support/raw-websocket';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

let sys: TestSystem;
let bystander: TestStompClient;
let professor: TestStompClient;
let roomId: number;
let sent = 0;

beforeAll(async () => {
  sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' }, { connectTimeoutMs: 1000 });
  const studentToken = sys.token('s1', 'STUDENT');
  const professorToken = sys.token('p1', 'PROFESSOR');
  await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  const r = await sys.http('POST', '/api/consultation/request', { token: studentToken, body: { professorId: 'p1', title: 't', content: 'c' } });
  roomId = r.body.requestIdx;
  await sys.http('POST', '/api/consultation/approve', { token: professorToken, body: { requestIdx: roomId } });
  bystander = await TestStompClient.connect(sys.gateway.port, studentToken);
  professor = await TestStompClient.connect(sys.gateway.port, professorToken);
});
afterAll(async () => {
  await bystander.close();
  await professor.close();
  await sys.close();
});

/** After each attack, a well-behaved pair of clients still chat through the same process. */
afterEach(async () => {
  sent++;
  await bystander.send(roomId, `still here ${sent}`, `alive-${sent}`);
  await professor.waitFor(() => professor.chat(roomId).length === sent, 5000, 'bystander message');
  expect((await sys.http('GET', '/healthz')).status).toBe(200);
});

const CONNECT = (token: string) => `CONNECT\naccept-version:1.2\nhost:x\nAuthorization:Bearer ${token}\n\n\0`;

describe('hostile input gets an ERROR frame and a close, and the process keeps serving', () => {
  it.each([
    ['random bytes', () => randomBytes(512)],
    ['an unknown command', () => 'HELLO\n\n\0'],
    ['1,000 headers', () => `SEND\n${Array.from({ length: 1000 }, (_, i) => `h${i}:v`).join('\n')}\n\n\0`],
    ['a 1 MiB frame', () => `SEND\ndestination:/app/chat.send\n\n${'x'.repeat(1024 * 1024)}\0`],
    ['SEND before CONNECT', () => 'SEND\ndestination:/app/chat.send\n\n{}\0'],
    ['SUBSCRIBE before CONNECT', () => 'SUBSCRIBE\nid:0\ndestination:/user/queue/chat\n\n\0'],
    ['an invalid header escape', () => 'CONNECT\n\n\0SEND\ndestination:/a\\x\n\n\0'],
  ])('%s', async (_name, payload) => {
    const raw = await RawSocket.open(sys.gateway.port);
    raw.send(payload());
    await raw.waitClosed();
    expect(raw.errorFrames()).toHaveLength(1);
  });

  it('a frame without its NUL is closed when the CONNECT deadline passes', async () => {
    const raw = await RawSocket.open(sys.gateway.port);
    raw.send('CONNECT\naccept-version:1.2\n\n');
    await raw.waitClosed(5000);
    expect(raw.errorFrames()[0]).toMatch(/CONNECT/);
  });

  it('garbage after a good CONNECT', async () => {
    const raw = await RawSocket.open(sys.gateway.port);
    raw.send(CONNECT(sys.token('s1', 'STUDENT')));
    raw.send(Buffer.concat([Buffer.from('SEND\ndestination:/app/chat.send\ncontent-length:5\n\n'), randomBytes(20)]));
    await raw.waitClosed();
    expect(raw.received[0]).toMatch(/^CONNECTED\n/);
    expect(raw.errorFrames()).toHaveLength(1);
  });

  it('a second CONNECT on a connected session', async () => {
    const raw = await RawSocket.open(sys.gateway.port);
    const token = sys.token('s1', 'STUDENT');
    raw.send(CONNECT(token) + CONNECT(token));
    await raw.waitClosed();
    expect(raw.errorFrames()[0]).toMatch(/already connected/);
  });

  it('a burst of 200 hostile sockets at once', async () => {
    const sockets = await Promise.all(Array.from({ length: 200 }, () => RawSocket.open(sys.gateway.port)));
    sockets.forEach((s, i) => s.send(i % 2 ? randomBytes(64) : 'SEND\n\n\0'));
    await Promise.all(sockets.map((s) => s.waitClosed()));
    expect(sockets.every((s) => s.errorFrames().length === 1)).toBe(true);
  });
});
