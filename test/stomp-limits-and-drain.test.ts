import WebSocket from 'ws';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

async function openRoom(sys: TestSystem): Promise<number> {
  await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  const student = sys.token('s1', 'STUDENT');
  const r = await sys.http('POST', '/api/consultation/request', { token: student, body: { professorId: 'p1', title: 't', content: 'c' } });
  await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: r.body.requestIdx } });
  await sys.http('POST', '/api/consultation/start', { token: student, body: { requestIdx: r.body.requestIdx } });
  return r.body.requestIdx;
}

describe('per-user send rate limit', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '5', CHAT_SEND_BURST: '5' });
  });
  afterAll(() => sys.close());

  it('answers RATE_LIMITED on /user/queue/errors beyond the burst and keeps the connection', async () => {
    const id = await openRoom(sys);
    const c = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => c.send(id, `m${i}`, `rl-${i}`)));
    const accepted = results.filter((r) => r.status === 'fulfilled').length;
    expect(accepted).toBeGreaterThanOrEqual(5);
    expect(accepted).toBeLessThanOrEqual(11);
    expect(c.errors.filter((e) => e.code === 'RATE_LIMITED').length).toBe(30 - accepted);
    expect(c.errors.find((e) => e.code === 'RATE_LIMITED')).toMatchObject({ type: 'ERROR', requestIdx: id, clientMsgId: expect.stringMatching(/^rl-/) });
    expect(c.client.connected).toBe(true);
    const metrics = await sys.http('GET', '/metrics');
    expect(metrics.body).toMatch(/oh_gateway_rate_limited_total\{kind="send"\} [1-9]/);
    await c.close();
  });
});

describe('slow consumers and drain', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' }, { maxBackpressureBytes: 256 * 1024, drainTimeoutMs: 5000 });
  });
  afterAll(() => sys.close());

  it('disconnects a consumer that stops reading once its backlog passes the cap', async () => {
    const id = await openRoom(sys);
    const token = sys.token('p1', 'PROFESSOR');
    const slow = new WebSocket(`ws://127.0.0.1:${sys.gateway.port}/ws/chat`, ['v12.stomp']);
    const closed = new Promise<number>((resolve) => slow.on('close', (code) => resolve(code)));
    const connected = new Promise<void>((resolve) => slow.once('message', () => resolve()));
    await new Promise((resolve) => slow.once('open', resolve));
    slow.send(`CONNECT\naccept-version:1.2\nAuthorization:Bearer ${token}\n\n\0SUBSCRIBE\nid:0\ndestination:/user/queue/chat\n\n\0`);
    await connected;
    // Stop reading: the kernel buffers fill, then the gateway's own buffer grows past the cap.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    const sender = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
    const big = 'x'.repeat(3900);
    let i = 0;
    let code: number | undefined;
    void closed.then((c) => (code = c));
    while (code === undefined && i < 20_000) {
      await Promise.all(Array.from({ length: 100 }, () => sender.send(id, big, `big-${i++}`)));
      (slow as unknown as { _socket: { resume(): void; pause(): void } })._socket.resume();
      (slow as unknown as { _socket: { pause(): void } })._socket.pause();
      if ((await sys.http('GET', '/metrics')).body.match(/oh_gateway_slow_consumer_disconnects_total [1-9]/)) break;
    }
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(1013);
    expect(sender.client.connected).toBe(true);
    await sender.close();
  }, 60_000);

  it('drains on close: in-flight sends finish, then sessions get an ERROR asking to reconnect', async () => {
    const id = await openRoom(sys);
    const c = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
    const sends = Array.from({ length: 50 }, (_, i) => c.send(id, `d${i}`, `drain-${i}`));
    await sys.gateway.close();
    const settled = await Promise.allSettled(sends);
    await c.waitClosed();
    expect(c.stompError?.headers['message']).toMatch(/reconnect/);
    const receipted = settled.flatMap((r) => (r.status === 'fulfilled' ? [Number(r.value['seq'])] : []));
    const stored = (await sys.core.hotLog.roomMessages.readRaw(id, 0, 1000, true)).map((raw) => (JSON.parse(raw) as { seq: number }).seq);
    for (const seq of receipted) expect(stored).toContain(seq);
    expect(sys.gateway.sessionCount()).toBe(0);
  });
});
