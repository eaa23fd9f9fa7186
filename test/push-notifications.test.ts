import { startGatewayProcess } from './support/child-process';
import { eventually } from './support/eventually';
import { FcmStandIn } from './support/fcm-stand-in';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

const fast = { CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000', QUEUE_RETRY_BASE_MS: '100', QUEUE_RETRY_CAP_MS: '400' };

const logRows = (sys: TestSystem, where: Record<string, unknown>) => sys.db.knex('notification_log').where(where).orderBy('id');

async function request(sys: TestSystem, studentId: string, professorId: string): Promise<number> {
  const r = await sys.http('POST', '/api/consultation/request', {
    token: sys.token(studentId, 'STUDENT'),
    body: { professorId, title: 'Push me', content: 'c' },
  });
  expect(r.status).toBe(201);
  return r.body.requestIdx;
}

describe('push through firebase-admin against a local FCM stand-in', () => {
  let sys: TestSystem;
  let fcm: FcmStandIn;
  const clients: TestStompClient[] = [];
  beforeAll(async () => {
    fcm = await FcmStandIn.start();
    sys = await startTestSystem(
      { ...fast, FCM_CREDENTIALS: fcm.serviceAccountPath, PUSH_COLLAPSE_WINDOW_MS: '600', PRESENCE_TTL_MS: '1500' },
      {},
      { workers: true, fcmHttpAgent: fcm.agent },
    );
    for (const [id, role] of [
      ['p-ok', 'PROFESSOR'],
      ['p-flaky', 'PROFESSOR'],
      ['p-dead', 'PROFESSOR'],
      ['p-chat', 'PROFESSOR'],
      ['p-kill', 'PROFESSOR'],
    ] as const) {
      await sys.core.users.upsert({ id, name: id, role });
    }
  }, 30_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sys.close();
    await fcm.close();
  });

  const register = async (userId: string, role: 'STUDENT' | 'PROFESSOR', token: string) => {
    const res = await sys.http('POST', '/api/push/tokens', { token: sys.token(userId, role), body: { token, platform: 'android' } });
    expect(res.status).toBe(204);
  };

  it('delivers a data message for a new request to the professor and logs it SENT', async () => {
    await register('p-ok', 'PROFESSOR', 'ok-device-1');
    const id = await request(sys, 's1', 'p-ok');
    const [row] = await eventually(
      async () => {
        const rows = await logRows(sys, { user_id: 'p-ok', request_idx: id });
        return rows.length && rows[0].status === 'SENT' ? rows : undefined;
      },
      10_000,
      'SENT row',
    );
    expect(row).toMatchObject({
      kind: 'REQUEST_CREATED',
      attempts: 1,
      token: 'ok-device-1',
      fcm_message_id: expect.stringMatching(/^projects\/oh-test\/messages\//),
    });
    expect(fcm.requestsFor('ok-device-1')[0]!.data).toMatchObject({ type: 'REQUEST_CREATED', requestIdx: String(id), status: 'PENDING' });
  });

  const approveFor = async (studentId: string, professorId: string, deviceToken: string) => {
    await register(studentId, 'STUDENT', deviceToken);
    const id = await request(sys, studentId, professorId);
    await sys.http('POST', '/api/consultation/approve', { token: sys.token(professorId, 'PROFESSOR'), body: { requestIdx: id } });
    const [row] = await eventually(
      async () => {
        const rows = await logRows(sys, { user_id: studentId, kind: 'REQUEST_APPROVED' });
        return rows.length && rows[0].status === 'SENT' ? rows : undefined;
      },
      15_000,
      'SENT after retries',
    );
    return { row, times: fcm.requestsFor(deviceToken).map((r) => r.at) };
  };

  it('UNAVAILABLE twice then success: the SDK retries the 503s itself with its backoff; one SENT row', async () => {
    const { row, times } = await approveFor('s-flaky', 'p-flaky', 'flaky-device-1');
    expect(row.attempts).toBe(1);
    expect(times).toHaveLength(3);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(times[1]! - times[0]!);
  }, 20_000);

  it('INTERNAL twice then success: our job retries with backoff, the row goes RETRYING → SENT after three attempts', async () => {
    const { row, times } = await approveFor('s-broken', 'p-flaky', 'broken-device-1');
    expect(row.attempts).toBe(3);
    expect(row.last_error).toBeNull();
    expect(times).toHaveLength(3);
    // Base 100 ms, jitter 50–100 %: ~50–100 ms, then ~100–200 ms.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(40);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(90);
  }, 20_000);

  it('an UNREGISTERED token is logged INVALID_TOKEN, deleted, and not retried', async () => {
    await register('p-dead', 'PROFESSOR', 'dead-device-1');
    await register('p-dead', 'PROFESSOR', 'ok-device-dead-owner');
    await request(sys, 's1', 'p-dead');
    const rows = await eventually(
      async () => {
        const r = await logRows(sys, { user_id: 'p-dead' });
        return r.length === 2 && r.every((x: { status: string }) => x.status !== 'PENDING') ? r : undefined;
      },
      10_000,
      'two rows done',
    );
    expect(rows.map((r: { token: string; status: string; attempts: number }) => [r.token, r.status, r.attempts]).sort()).toEqual([
      ['dead-device-1', 'INVALID_TOKEN', 1],
      ['ok-device-dead-owner', 'SENT', 1],
    ]);
    // The token goes right after its row is logged (the same job), so it may trail the row by a moment.
    await eventually(async () => (await sys.db.knex('device_token').where({ token: 'dead-device-1' }).first()) === undefined, 5_000, 'dead token deleted');
    expect(fcm.requestsFor('dead-device-1')).toHaveLength(1);
  });

  it('a connected recipient gets no chat push; once their last session closes, they do; a burst of 50 is collapsed', async () => {
    await register('p-chat', 'PROFESSOR', 'ok-chat-device');
    const id = await request(sys, 's1', 'p-chat');
    await sys.http('POST', '/api/consultation/approve', { token: sys.token('p-chat', 'PROFESSOR'), body: { requestIdx: id } });
    const professor = await TestStompClient.connect(sys.gateway.port, sys.token('p-chat', 'PROFESSOR'));
    const student = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
    clients.push(student);
    await student.send(id, 'while you are here', 'pc-1');
    await professor.waitFor(() => professor.chat(id).length === 1);
    // Wait past a collapse window, with the message committed: no chat push may appear.
    await eventually(async () => (await sys.db.knex('chat_message').where({ request_idx: id }).first()) !== undefined, 10_000, 'committed');
    const digestDone = await eventually(
      async () => {
        const jobs = await sys.core.queues.queue('push-notify').getJobs(['completed', 'delayed', 'waiting', 'active']);
        return jobs.every((j) => j.name !== 'chat-digest' || j.data.requestIdx !== id) ? true : undefined;
      },
      5000,
      'no digest armed',
    );
    expect(digestDone).toBe(true);
    expect(await logRows(sys, { user_id: 'p-chat', kind: 'CHAT_MESSAGE' })).toEqual([]);

    await professor.close();
    await eventually(async () => !(await sys.core.presence.isOnline('p-chat')), 5000, 'offline');
    await Promise.all(Array.from({ length: 50 }, (_, i) => student.send(id, `burst ${i}`, `pc-b-${i}`)));
    const rows = await eventually(
      async () => {
        const r = await logRows(sys, { user_id: 'p-chat', kind: 'CHAT_MESSAGE', status: 'SENT' });
        return r.length ? r : undefined;
      },
      10_000,
      'chat push',
    );
    // One collapse window (600 ms) covers the burst: a handful of pushes at most, never 50.
    await eventually(async () => (await sys.core.queues.queue('push-notify').getDelayedCount()) === 0, 5000, 'digests done');
    const all = await logRows(sys, { user_id: 'p-chat', kind: 'CHAT_MESSAGE' });
    expect(all.length).toBeLessThanOrEqual(3);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    const sent = fcm.requestsFor('ok-chat-device').filter((r) => r.data['type'] === 'CHAT_MESSAGE');
    expect(Number(sent.reduce((n, r) => n + Number(r.data['count']), 0))).toBe(50);
    expect(sent.at(-1)!.data).toMatchObject({ requestIdx: String(id), senderId: 's1', content: 'burst 49' });
  });

  it('a recipient whose gateway is killed gets chat pushes once their presence lapses', async () => {
    await register('p-kill', 'PROFESSOR', 'ok-kill-device');
    const id = await request(sys, 's1', 'p-kill');
    await sys.http('POST', '/api/consultation/approve', { token: sys.token('p-kill', 'PROFESSOR'), body: { requestIdx: id } });
    const other = await startGatewayProcess({ ...process.env, ...sys.env });
    try {
      const professor = await TestStompClient.connect(other.port, sys.token('p-kill', 'PROFESSOR'));
      expect(await sys.core.presence.isOnline('p-kill')).toBe(true);
      await other.proc.kill('SIGKILL');
      await professor.waitClosed();
      await eventually(async () => !(await sys.core.presence.isOnline('p-kill')), 10_000, 'presence lapses');
      const student = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
      clients.push(student);
      await student.send(id, 'are you there?', 'pk-1');
      await eventually(async () => (await logRows(sys, { user_id: 'p-kill', kind: 'CHAT_MESSAGE', status: 'SENT' })).length === 1, 10_000, 'push');
    } finally {
      await other.proc.kill('SIGKILL');
    }
  }, 30_000);

  it('device tokens: a token moves to its newest owner; only the owner removes it; bad input is 400', async () => {
    await register('u1', 'STUDENT', 'shared-device');
    await register('u2', 'STUDENT', 'shared-device');
    expect((await sys.db.knex('device_token').where({ token: 'shared-device' }).first()).user_id).toBe('u2');
    const del1 = await sys.http('DELETE', '/api/push/tokens', { token: sys.token('u1', 'STUDENT'), body: { token: 'shared-device' } });
    expect(del1.status).toBe(403);
    expect((await sys.http('DELETE', '/api/push/tokens', { token: sys.token('u2', 'STUDENT'), body: { token: 'shared-device' } })).status).toBe(204);
    expect((await sys.http('POST', '/api/push/tokens', { token: sys.token('u1', 'STUDENT'), body: { token: 'x', platform: 'symbian' } })).status).toBe(400);
    expect((await sys.http('POST', '/api/push/tokens', { body: { token: 'x', platform: 'ios' } })).status).toBe(401);
  });

  it('GET /api/admin/notifications filters the log for ADMIN only', async () => {
    const res = await sys.http('GET', '/api/admin/notifications?status=INVALID_TOKEN', { token: sys.token('a1', 'ADMIN') });
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThanOrEqual(1);
    expect(res.body.items.every((r: { status: string; token: string }) => r.status === 'INVALID_TOKEN' && r.token.startsWith('…'))).toBe(true);
    expect((await sys.http('GET', '/api/admin/notifications', { token: sys.token('s1', 'STUDENT') })).status).toBe(403);
  });
});

describe('without FCM_CREDENTIALS', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem(fast, {}, { workers: true });
    await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  }, 30_000);
  afterAll(() => sys.close());

  it('logs every push SKIPPED and nothing fails', async () => {
    await sys.http('POST', '/api/push/tokens', { token: sys.token('p1', 'PROFESSOR'), body: { token: 'ok-any', platform: 'ios' } });
    const id = await request(sys, 's1', 'p1');
    const rows = await eventually(
      async () => {
        const r = await logRows(sys, { request_idx: id });
        return r.length ? r : undefined;
      },
      10_000,
      'rows',
    );
    expect(rows).toEqual([expect.objectContaining({ status: 'SKIPPED', user_id: 'p1', last_error: expect.stringMatching(/FCM_CREDENTIALS/) })]);
    expect(await sys.core.queues.queue('push-notify').getFailedCount()).toBe(0);
  });
});
