import { readSealedObject } from '../lib/archive/archive-reader';
import { runSealTask } from '../lib/archive/seal-task';
import { headerOf } from '../lib/archive/consultation-archiver';
import { QUEUE_NAMES } from '../lib/queues/queue-names';
import { SealedCopies } from '../lib/data-office/sealed-copies';
import { UserErasure } from '../lib/data-office/user-erasure';
import { createLogger } from '../lib/logging/logger';
import { archiveObjectKey, snapshotObjectKey } from '../lib/storage/object-keys';
import { startGatewayProcess } from './support/child-process';
import { eventually } from './support/eventually';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

let sys: TestSystem;
const clients: TestStompClient[] = [];
const STUDENT_NAME = 'Kim Secretname';
const student = (id = 's1') => sys.token(id, 'STUDENT', { name: STUDENT_NAME });
const professor = () => sys.token('p1', 'PROFESSOR', { name: 'Lee' });
const admin = () => sys.token('a1', 'ADMIN');
const table = () => sys.db.knex('CONSULTATION_REQUEST_TBL');

beforeAll(async () => {
  sys = await startTestSystem(
    { CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000', QUEUE_RETRY_BASE_MS: '100', QUEUE_RETRY_CAP_MS: '400' },
    {},
    { workers: true },
  );
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
}, 30_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sys?.close();
});

async function connect(token: string): Promise<TestStompClient> {
  const c = await TestStompClient.connect(sys.gateway.port, token);
  clients.push(c);
  return c;
}

/** A room of `studentId` and p1 in which both spoke; `studentId`'s words all contain "student secret". */
async function chattedRoom(studentId: string, tag: string): Promise<number> {
  const r = await sys.http('POST', '/api/consultation/request', {
    token: student(studentId),
    body: { professorId: 'p1', title: `student secret title ${tag}`, content: 'student secret request' },
  });
  const id = r.body.requestIdx as number;
  await sys.http('POST', '/api/consultation/approve', { token: professor(), body: { requestIdx: id } });
  const s = await connect(student(studentId));
  const p = await connect(professor());
  for (let i = 0; i < 3; i++) {
    await s.send(id, `student secret ${tag} ${i}`, `s-${id}-${i}`);
    await p.send(id, `professor reply ${tag} ${i}`, `p-${id}-${i}`);
  }
  return id;
}

const erasureDone = (userId: string) =>
  eventually(async () => (await sys.db.knex('user_erasure').where({ user_id: userId }).first())?.completed_at ?? undefined, 30_000, `erasure of ${userId}`);

function expectErased(text: string, tag: string): void {
  expect(text).toContain(`professor reply ${tag} 0`);
  expect(text).toContain(`professor reply ${tag} 2`);
  expect(text).toMatch(/Erased user\b/);
  expect(text).not.toMatch(/Erased user [0-9a-f]/);
  expect(text).not.toContain('student secret');
  expect(text).not.toContain(STUDENT_NAME);
  expect(text).not.toContain('Secretname');
}

describe('erasure of a person', () => {
  it('removes their name and words from rows, Redis, the archive and the snapshot; the other side stays readable', async () => {
    const archivedRoom = await chattedRoom('s1', 'A');
    await sys.http('POST', '/api/consultation/end', { token: professor(), body: { requestIdx: archivedRoom } });
    const archiveJob = () => sys.core.queues.queue(QUEUE_NAMES.consultationArchive).getJob(`archive-${archivedRoom}`);
    await eventually(async () => (await archiveJob())?.isCompleted(), 15_000, 'archive job done');
    // A temp snapshot of the ended room that the cleanup has not taken yet, sealed as the backup cycle seals one.
    const c = (await sys.core.consultations.findById(archivedRoom))!;
    const { activeKeyId, keys } = sys.core.keyring;
    const leftover = runSealTask({
      kind: 'snapshot',
      header: headerOf(c),
      messages: await sys.core.hotLog.chatMessages.listAfter(archivedRoom, 0, 100),
      timeZone: 'Asia/Seoul',
      keyId: activeKeyId,
      key: keys.get(activeKeyId)!,
    });
    await sys.core.store.put(snapshotObjectKey(archivedRoom), Buffer.from(leftover.body), leftover.metadata);
    const openRoom = await chattedRoom('s1', 'B');
    await eventually(async () => (await sys.db.knex('chat_message').where({ request_idx: openRoom })).length === 6, 10_000, 'persisted');
    await sys.workers!.context.backup.run();
    expect(await sys.core.store.exists(snapshotObjectKey(openRoom))).toBe(true);
    const pending = (
      await sys.http('POST', '/api/consultation/request', {
        token: student(),
        body: { professorId: 'p1', title: 'student secret pending', content: 'student secret' },
      })
    ).body.requestIdx as number;
    await sys.http('POST', '/api/push/tokens', { token: student(), body: { token: 'device-token-of-s1', platform: 'android' } });
    await sys.db.knex('notification_log').insert({ kind: 'CHAT', user_id: 's1', request_idx: openRoom, status: 'SENT' });

    expect((await sys.http('POST', '/api/admin/users/s1/erase', { token: professor() })).status).toBe(403);
    expect((await sys.http('POST', '/api/admin/users/nobody/erase', { token: admin() })).status).toBe(404);
    const erase = await sys.http('POST', '/api/admin/users/s1/erase', { token: admin() });
    expect(erase.status).toBe(202);
    expect(erase.body).toMatchObject({ userId: 's1', status: 'QUEUED' });
    await erasureDone('s1');

    // The archive and the snapshot, decrypted: the professor's side and a pseudonym, nothing of the student.
    const archive = await readSealedObject(sys.core.store, sys.core.keyring, archiveObjectKey(archivedRoom), { kind: 'archive', requestIdx: archivedRoom });
    expectErased(archive!.toString('utf8'), 'A');
    const snapshot = await readSealedObject(sys.core.store, sys.core.keyring, snapshotObjectKey(archivedRoom), { kind: 'snapshot', requestIdx: archivedRoom });
    expectErased(snapshot!.toString('utf8'), 'A');
    // The open room was closed by the erasure: its archive is made from the rewritten rows.
    await eventually(async () => (await table().where({ request_idx: openRoom }).first()).archived_at ?? undefined, 15_000, 'closed room archived');
    const closedArchive = await readSealedObject(sys.core.store, sys.core.keyring, archiveObjectKey(openRoom), { kind: 'archive', requestIdx: openRoom });
    expectErased(closedArchive!.toString('utf8'), 'B');
    const download = await sys.http('GET', `/api/chat/archive/download/${archivedRoom}`, { token: professor() });
    expectErased(download.body as string, 'A');

    // PostgreSQL: no row carries their words or their id; the professor's rows are untouched.
    const rows = await sys.db.knex('chat_message').whereIn('request_idx', [archivedRoom, openRoom]).orderBy(['request_idx', 'seq']);
    expect(rows.filter((r) => r.content.includes('student secret') || r.sender_id === 's1')).toEqual([]);
    expect(rows.filter((r) => r.sender_role === 'PROFESSOR').map((r) => r.content)).toEqual(
      [0, 1, 2, 0, 1, 2].map((i, n) => `professor reply ${n < 3 ? 'A' : 'B'} ${i}`),
    );
    const rooms = await table().whereIn('request_idx', [archivedRoom, openRoom, pending]).orderBy('request_idx');
    expect(rooms.map((r) => [r.status, r.title, r.student_id.startsWith('erased-')])).toEqual([
      ['COMPLETED', '', true],
      ['COMPLETED', '', true],
      ['CANCELED', '', true],
    ]);
    expect(JSON.stringify(await sys.db.knex('users').select('name'))).not.toContain('Secretname');
    expect(await sys.db.knex('device_token').where({ user_id: 's1' })).toEqual([]);
    expect(await sys.db.knex('notification_log').where({ user_id: 's1' })).toEqual([]);

    // Redis: whatever the room's hot log holds now (rebuilt from PostgreSQL on a read) has none of it.
    const history = await sys.http('GET', `/api/chat/messages/${openRoom}`, { token: professor() });
    expect(history.body.items.map((m: { content: string }) => m.content)).toEqual([
      '',
      'professor reply B 0',
      '',
      'professor reply B 1',
      '',
      'professor reply B 2',
    ]);
    for (const room of [archivedRoom, openRoom]) {
      expect((await sys.core.redis.lrange(sys.core.keys.chatRoom(room), 0, -1)).join('\n')).not.toContain('student secret');
    }

    // Signing in again starts with no history; a second erase is a no-op with the first report.
    const again = student();
    expect((await sys.http('GET', '/api/consultation/history', { token: again })).body.total).toBe(0);
    expect((await sys.http('GET', '/api/consultation/my-requests', { token: again })).body.total).toBe(0);
    const second = await sys.http('POST', '/api/admin/users/s1/erase', { token: admin() });
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ status: 'DONE', report: { consultations: 3, closed: 2, messagesErased: 6 } });
    // The closed room's archive job may run before or after its rewrite: one object or the other is re-sealed.
    expect(second.body.report.archivesResealed + second.body.report.snapshotsResealed).toBe(3);
    const trail = await sys.http('GET', '/api/admin/audit?target=user:s1&action=ERASE', { token: admin() });
    expect(trail.body.items.map((e: { actorId: string | null }) => e.actorId)).toEqual(['a1', null, 'a1']);
  });

  it('a run that crashes midway resumes with the same pseudonym and finishes', async () => {
    const rooms = [await chattedRoom('s2', 'C'), await chattedRoom('s2', 'D')];
    for (const id of rooms) await sys.http('POST', '/api/consultation/end', { token: professor(), body: { requestIdx: id } });
    await eventually(async () => (await table().whereIn('request_idx', rooms).whereNotNull('archived_at')).length === 2, 15_000, 'archived');
    await sys.db.knex('user_erasure').insert({ user_id: 's2', requested_by: 'a1' });

    const log = createLogger({ level: 'silent', role: 'test' });
    const real = new SealedCopies({
      consultations: sys.core.consultations,
      messages: sys.core.hotLog.chatMessages,
      store: sys.core.store,
      sealer: { seal: async (t) => runSealTask(t) },
      keyring: sys.core.keyring,
      timeZone: sys.config.archiveTimezone,
    });
    let sealed = 0;
    const crashing = {
      resealFromDatabase: async (id: number) => {
        if (++sealed === 2) throw new Error('worker died');
        return real.resealFromDatabase(id);
      },
    } as unknown as SealedCopies;
    const deps = {
      knex: sys.core.knex,
      owners: sys.core.dataOwners,
      redis: sys.core.redis,
      keys: sys.core.keys,
      lifecycle: sys.core.lifecycle,
      events: sys.core.events,
      persister: sys.workers!.context.persister,
      chatLog: sys.core.hotLog.chatLog,
      audit: sys.core.audit,
      log,
    };
    await expect(new UserErasure({ ...deps, copies: crashing }).run('s2', async () => undefined)).rejects.toThrow('worker died');
    const midway = await sys.db.knex('user_erasure').where({ user_id: 's2' }).first();
    expect(midway.completed_at).toBeNull();
    expect(midway.pseudonym_id).toMatch(/^erased-/);

    const report = await new UserErasure({ ...deps, copies: real }).run('s2', async () => undefined);
    expect(report).toMatchObject({ consultations: 2, archivesResealed: 2 });
    const owners = await table().whereIn('request_idx', rooms).pluck('student_id');
    expect(owners).toEqual([midway.pseudonym_id, midway.pseudonym_id]);
    for (const id of rooms) {
      const text = (await readSealedObject(sys.core.store, sys.core.keyring, archiveObjectKey(id), { kind: 'archive', requestIdx: id }))!.toString('utf8');
      expect(text).not.toContain('student secret');
    }
    // Once done, nothing links the person to the pseudonym any more.
    expect(await sys.db.knex('user_erasure').where({ user_id: 's2' }).first()).toMatchObject({ pseudonym_id: null, completed_at: expect.any(Date) });
  });

  it('cuts the person off on every gateway the moment it is accepted, and once done leaves no link but the audit trail', async () => {
    const second = await startGatewayProcess(sys.env);
    try {
      // No messages: the room alone is what the person must lose (the chat path has its own tests).
      const asked = await sys.http('POST', '/api/consultation/request', {
        token: student('s3'),
        body: { professorId: 'p1', title: 'student secret E', content: 'c' },
      });
      const room = asked.body.requestIdx as number;
      await sys.http('POST', '/api/consultation/approve', { token: professor(), body: { requestIdx: room } });
      const viaSecond = (path: string, token: string) =>
        fetch(`http://127.0.0.1:${second.port}${path}`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } });
      const sync = (c: TestStompClient) => c.publishWithReceipt('/app/chat.sync', JSON.stringify({ requestIdx: room, afterSeq: 0 }));
      const onSecond = await TestStompClient.connect(second.port, student('s3'));
      clients.push(onSecond);
      await sync(onSecond);
      expect((await viaSecond(`/api/chat/messages/${room}`, student('s3'))).status).toBe(200);

      // The job waits, so everything below happens between "accepted" and "done".
      const dataOffice = sys.core.queues.queue(QUEUE_NAMES.dataOffice);
      await dataOffice.pause();
      try {
        expect((await sys.http('POST', '/api/admin/users/s3/erase', { token: admin() })).body).toMatchObject({ status: 'QUEUED' });
        expect((await sys.http('GET', `/api/chat/messages/${room}`, { token: student('s3') })).status).toBe(403);
        expect((await viaSecond(`/api/chat/messages/${room}`, student('s3'))).status).toBe(403);
        expect((await viaSecond(`/api/consultation/${room}`, student('s3'))).status).toBe(403);
        expect((await viaSecond('/api/consultation/history', student('s3'))).status).toBe(403);
        // The live session on the other gateway is ended with an ERROR; a new one is refused there and here.
        await onSecond.waitClosed();
        expect(onSecond.stompError?.headers['message']).toContain('FORBIDDEN');
        await expect(sync(onSecond)).rejects.toThrow();
        await expect(TestStompClient.connect(second.port, student('s3'))).rejects.toThrow(/FORBIDDEN/);
        await expect(TestStompClient.connect(sys.gateway.port, student('s3'))).rejects.toThrow(/FORBIDDEN/);
        expect((await viaSecond(`/api/chat/messages/${room}`, professor())).status).toBe(200);
      } finally {
        await dataOffice.resume();
      }
      await erasureDone('s3');

      // Done: the rooms are the pseudonym's. Signing in again, the person reads none of them on either gateway.
      const pseudonymId = (await table().where({ request_idx: room }).first()).student_id as string;
      expect(pseudonymId).toMatch(/^erased-[0-9a-f]{16}$/);
      expect((await viaSecond(`/api/chat/messages/${room}`, student('s3'))).status).toBe(403);
      const back = await TestStompClient.connect(second.port, student('s3'));
      clients.push(back);
      await expect(sync(back)).rejects.toThrow(/NOT_PARTICIPANT/);

      // Nothing reachable links them: no stored mapping, no name derived from the pseudonym, the admin exports apart.
      expect(await sys.db.knex('user_erasure').where({ user_id: 's3' }).first()).toMatchObject({ pseudonym_id: null, pseudonym_name: null });
      const names = await sys.db.knex('users').whereIn('id', ['s3', pseudonymId]).pluck('name');
      expect(names).toEqual(['Erased user', 'Erased user']);
      const exportOf = async (id: string) =>
        (await fetch(`${sys.baseUrl}/api/admin/users/${id}/export`, { headers: { authorization: `Bearer ${admin()}`, connection: 'close' } })).text();
      const [personExport, pseudonymExport] = [await exportOf('s3'), await exportOf(pseudonymId)];
      expect(personExport).not.toContain(pseudonymId);
      expect(personExport).not.toContain(pseudonymId.slice('erased-'.length, 'erased-'.length + 6));
      expect(pseudonymExport).not.toContain('"s3"');
      expect(pseudonymExport).toContain(`"requestIdx":${room}`);
    } finally {
      await second.proc.kill('SIGKILL');
    }
  }, 90_000);
});
