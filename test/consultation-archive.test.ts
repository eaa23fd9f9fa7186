import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { readSealedObject } from '../lib/archive/archive-reader';
import { buildArchiveRestorer } from '../lib/runtime/core-services';
import { loadConfig } from '../lib/config/config';
import { formatArchive } from '../lib/archive/archive-text';
import { headerOf } from '../lib/archive/consultation-archiver';
import { runSealTask } from '../lib/archive/seal-task';
import { archiveObjectKey, snapshotObjectKey } from '../lib/storage/object-keys';
import { eventually } from './support/eventually';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

let sys: TestSystem;
const clients: TestStompClient[] = [];
const studentToken = () => sys.token('s1', 'STUDENT', { name: 'Kim' });
const professorToken = () => sys.token('p1', 'PROFESSOR', { name: 'Lee' });

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
  await sys.close();
});

async function chatRoom(messages: string[]): Promise<{ id: number; student: TestStompClient }> {
  const r = await sys.http('POST', '/api/consultation/request', { token: studentToken(), body: { professorId: 'p1', title: 'Archive me', content: 'c' } });
  const id = r.body.requestIdx as number;
  await sys.http('POST', '/api/consultation/approve', { token: professorToken(), body: { requestIdx: id } });
  const student = await TestStompClient.connect(sys.gateway.port, studentToken());
  clients.push(student);
  for (let i = 0; i < messages.length; i++) await student.send(id, messages[i]!, `a-${id}-${i}`);
  return { id, student };
}

const persistedCount = (id: number) =>
  sys.db
    .knex('chat_message')
    .where({ request_idx: id })
    .count<{ count: string }[]>('* as count')
    .then((r) => Number(r[0]!.count));
const archived = (id: number) =>
  sys.db
    .knex('CONSULTATION_REQUEST_TBL')
    .where({ request_idx: id })
    .first()
    .then((r) => (r.archived_at ? r : undefined));

const restorer = () => buildArchiveRestorer(sys.core);

describe('persistence', () => {
  it('commits every receipted message to PostgreSQL once, in seq order', async () => {
    const texts = Array.from({ length: 50 }, (_, i) => `persist ${i}`);
    const { id } = await chatRoom(texts);
    await eventually(async () => (await persistedCount(id)) === 50, 10_000, '50 rows');
    const rows = await sys.db.knex('chat_message').where({ request_idx: id }).orderBy('seq');
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(rows.map((r) => r.content)).toEqual(texts);
    const metrics = await fetch(`http://127.0.0.1:${sys.workers!.metricsPort}/metrics`, { headers: { connection: 'close' } }).then((r) => r.text());
    expect(metrics).toMatch(/oh_persist_lag_seconds_count [1-9]/);
  });

  it('after the room is lost from Redis, sync, history and the archive are still complete from PostgreSQL', async () => {
    const texts = ['before 1', 'before 2', 'before 3'];
    const { id, student } = await chatRoom(texts);
    await eventually(async () => (await persistedCount(id)) === 3, 10_000, 'rows');
    const k = sys.core.keys;
    await sys.core.redis.del(k.chatRoom(id), k.chatMeta(id), k.chatDedupe(id));

    const history = await sys.http('GET', `/api/chat/messages/${id}`, { token: professorToken() });
    expect(history.body.items.map((m: { content: string }) => m.content)).toEqual(texts);
    // Every key of the room is gone, so its seq reservation is skipped: strictly after, never reused.
    await student.send(id, 'after', `a-${id}-after`).then((r) => expect(Number(r['seq'])).toBeGreaterThan(3));
    const again = await student.send(id, 'before 1', `a-${id}-0`);
    expect(again).toMatchObject({ seq: '1', duplicate: 'true' });

    const other = await TestStompClient.connect(sys.gateway.port, professorToken());
    clients.push(other);
    await other.publishWithReceipt('/app/chat.sync', JSON.stringify({ requestIdx: id, afterSeq: 0 }));
    expect(other.chat(id).map((e) => e.content)).toEqual([...texts, 'after']);

    await sys.http('POST', '/api/consultation/end', { token: studentToken(), body: { requestIdx: id } });
    await eventually(() => archived(id), 15_000, 'archived');
    const download = await sys.http('GET', `/api/chat/archive/download/${id}`, { token: studentToken() });
    expect(
      download.body
        .trimEnd()
        .split('\n')
        .slice(-4)
        .map((l: string) => l.replace(/^.*\): /, '')),
    ).toEqual([...texts, 'after']);
  });
});

describe('archive', () => {
  it('round trip: download equals the formatted history; the object holds no plaintext; Redis and temp are cleaned', async () => {
    const texts = ['첫 메시지', 'line one\nline two', 'back\\slash', '<b>bold</b> 😀'];
    const { id } = await chatRoom(texts);
    await sys.core.store.put(snapshotObjectKey(id), Buffer.from('stale snapshot'), {});
    expect((await sys.http('GET', `/api/chat/archive/download/${id}`, { token: studentToken() })).status).toBe(404);
    const ended = await sys.http('POST', '/api/consultation/end', { token: professorToken(), body: { requestIdx: id } });
    expect(ended.status).toBe(200);
    // A second end (409) must not produce a second archive.
    expect((await sys.http('POST', '/api/consultation/end', { token: studentToken(), body: { requestIdx: id } })).status).toBe(409);
    const row = await eventually(() => archived(id), 15_000, 'archived');

    const res = await sys.http('GET', `/api/chat/archive/download/${id}`, { token: professorToken() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="chat_${id}_final.txt"`);
    const c = await sys.core.consultations.findById(id);
    const messages = await sys.core.hotLog.chatMessages.listAfter(id, 0, 100);
    expect(res.body).toBe(formatArchive(headerOf(c!), messages, 'Asia/Seoul'));
    expect(res.body).toContain('line one\\nline two');
    expect(row.archived_at).toBeTruthy();

    const obj = await sys.core.store.get(archiveObjectKey(id));
    expect(obj!.metadata).toMatchObject({ 'key-id': 'k1', algorithm: 'AES-256-GCM' });
    // No digest of the plaintext in metadata: a bucket reader could confirm a guessed transcript with it.
    expect(Object.keys(obj!.metadata).some((k) => /sha|hash|digest/i.test(k))).toBe(false);
    for (const t of ['첫 메시지', 'line one', 'bold', 'Archive me', 'Kim']) expect(obj!.body.includes(Buffer.from(t))).toBe(false);
    expect(await sys.core.redis.exists(sys.core.keys.chatMeta(id))).toBe(0);
    expect(await sys.core.store.exists(snapshotObjectKey(id))).toBe(false);
    const jobs = await sys.core.queues.queue('consultation-archive').getJobs(['completed', 'failed', 'waiting', 'active', 'delayed']);
    expect(jobs.filter((j) => j.data.requestIdx === id)).toHaveLength(1);

    expect((await sys.http('GET', `/api/chat/archive/download/${id}`, { token: sys.token('a1', 'ADMIN') })).status).toBe(200);
    expect((await sys.http('GET', `/api/chat/archive/download/${id}`, { token: sys.token('s9', 'STUDENT') })).body.error.code).toBe('NOT_PARTICIPANT');
    expect((await sys.http('GET', `/api/chat/archive/download/${id}`)).status).toBe(401);
  });

  it("an archive copied over another consultation's key is refused at download and restore, never served", async () => {
    const a = await chatRoom(['secret of A']);
    const b = await chatRoom(['text of B']);
    for (const id of [a.id, b.id]) await sys.http('POST', '/api/consultation/end', { token: professorToken(), body: { requestIdx: id } });
    await eventually(async () => (await archived(a.id)) && archived(b.id), 15_000, 'both archived');
    const objA = (await sys.core.store.get(archiveObjectKey(a.id)))!;
    await sys.core.store.put(archiveObjectKey(b.id), objA.body, objA.metadata);
    const res = await sys.http('GET', `/api/chat/archive/download/${b.id}`, { token: studentToken() });
    expect(res.status).toBe(500);
    expect(res.body.error.message).toMatch(new RegExp(`not the archive of consultation ${b.id}`));
    expect(JSON.stringify(res.body)).not.toContain('secret of A');
    await expect(restorer().restore(b.id, 'archive')).rejects.toThrow(/integrity check/);
  });

  it('a flipped byte in the stored object is refused with a clear error', async () => {
    const { id } = await chatRoom(['tamper target']);
    await sys.http('POST', '/api/consultation/end', { token: professorToken(), body: { requestIdx: id } });
    await eventually(() => archived(id), 15_000, 'archived');
    const obj = (await sys.core.store.get(archiveObjectKey(id)))!;
    const bad = Buffer.from(obj.body);
    bad[bad.length - 20] ^= 0x40;
    await sys.core.store.put(archiveObjectKey(id), bad, obj.metadata);
    const res = await sys.http('GET', `/api/chat/archive/download/${id}`, { token: studentToken() });
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({ code: 'INTERNAL', message: expect.stringMatching(/integrity check/) });
  });

  it('an object written under an older key still decrypts after rotation', async () => {
    const { id } = await chatRoom(['rotate me']);
    await sys.http('POST', '/api/consultation/end', { token: professorToken(), body: { requestIdx: id } });
    await eventually(() => archived(id), 15_000, 'archived');
    const rotated = loadConfig({ ARCHIVE_KEYS: `k2:${Buffer.alloc(32, 9).toString('base64')},k1:${Buffer.alloc(32, 1).toString('base64')}` }).config
      .archiveKeys!;
    expect(rotated.activeKeyId).toBe('k2');
    const text = await readSealedObject(sys.core.store, rotated, archiveObjectKey(id), { kind: 'archive', requestIdx: id });
    expect(text!.toString()).toContain('rotate me');
    const sealed = runSealTask({
      kind: 'archive',
      header: headerOf((await sys.core.consultations.findById(id))!),
      messages: [],
      timeZone: 'UTC',
      keyId: rotated.activeKeyId,
      key: rotated.keys.get('k2')!,
    });
    expect(sealed.metadata['key-id']).toBe('k2');
  });

  it('S3 down during an archive: the job retries, nothing is deleted, and it completes once S3 is back', async () => {
    const { id } = await chatRoom(['survive the outage']);
    await eventually(async () => (await persistedCount(id)) === 1, 10_000, 'row');
    await sys.s3!.close();
    await sys.http('POST', '/api/consultation/end', { token: professorToken(), body: { requestIdx: id } });
    const queue = sys.core.queues.queue('consultation-archive');
    await eventually(async () => ((await queue.getJob(`archive-${id}`))?.attemptsMade ?? 0) >= 2, 15_000, 'two failed attempts');
    expect(await archived(id)).toBeUndefined();
    expect(await sys.core.redis.exists(sys.core.keys.chatMeta(id))).toBe(1);
    await sys.restartS3();
    await eventually(() => archived(id), 20_000, 'archived after S3 is back');
    const res = await sys.http('GET', `/api/chat/archive/download/${id}`, { token: studentToken() });
    expect(res.body).toContain('survive the outage');
  }, 60_000);
});

describe('restore', () => {
  it('rebuilds PostgreSQL rows from the archive', async () => {
    const texts = ['r1', 'r2 multi\nline', 'r3 \\ slash'];
    const { id } = await chatRoom(texts);
    await sys.http('POST', '/api/consultation/end', { token: professorToken(), body: { requestIdx: id } });
    await eventually(() => archived(id), 15_000, 'archived');
    await sys.db.knex('chat_message').where({ request_idx: id }).del();
    const progress: number[] = [];
    const report = await restorer().restore(id, 'archive', (done) => progress.push(done));
    expect(report).toMatchObject({ source: 'archive', lines: 3, inserted: 3, redisRebuilt: false });
    expect(progress.at(-1)).toBe(3);
    const rows = await sys.db.knex('chat_message').where({ request_idx: id }).orderBy('seq');
    expect(rows.map((r) => [r.seq, r.content, r.sender_id])).toEqual([
      [1, 'r1', 's1'],
      [2, 'r2 multi\nline', 's1'],
      [3, 'r3 \\ slash', 's1'],
    ]);
    expect((await restorer().restore(id, 'archive')).inserted).toBe(0);

    // The same through the command line, with progress output.
    await sys.db.knex('chat_message').where({ request_idx: id }).del();
    const cli = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, '..', 'scripts', 'restore.ts'), '--request', String(id), '--from', 'archive'],
      {
        env: { ...process.env, ...sys.env, LOG_LEVEL: 'warn' },
        timeout: 30_000,
      },
    );
    expect(cli.stdout).toMatch(new RegExp(`restore ${id}: 3/3 lines`));
    expect(cli.stdout).toMatch(/3 lines, 3 rows inserted/);
    expect(Number((await sys.db.knex('chat_message').where({ request_idx: id }).count<{ count: string }[]>('* as count'))[0]!.count)).toBe(3);
  }, 60_000); // an archive cycle and a command-line process: slow on a loaded machine

  it('rebuilds an open room from its temp snapshot, in PostgreSQL and Redis', async () => {
    const texts = ['t1', 't2'];
    const { id, student } = await chatRoom(texts);
    await eventually(async () => (await persistedCount(id)) === 2, 10_000, 'rows');
    const c = (await sys.core.consultations.findById(id))!;
    const sealed = runSealTask({
      kind: 'snapshot',
      header: headerOf(c),
      messages: await sys.core.hotLog.chatMessages.listAfter(id, 0, 10),
      timeZone: 'Asia/Seoul',
      keyId: 'k1',
      key: sys.core.keyring.keys.get('k1')!,
    });
    await sys.core.store.put(snapshotObjectKey(id), Buffer.from(sealed.body), sealed.metadata);
    await sys.db.knex('chat_message').where({ request_idx: id }).del();
    await sys.core.hotLog.chatLog.remove(id);
    const report = await restorer().restore(id, 'temp');
    expect(report).toMatchObject({ lines: 2, inserted: 2, redisRebuilt: true });
    expect((await sys.core.hotLog.roomMessages.readRaw(id, 0, 10, true)).map((r) => JSON.parse(r).content)).toEqual(texts);
    // The room's Redis state was removed, so nobody knows how much of its seq reservation was used: the
    // next seq comes after the reservation (strictly increasing, never reused).
    expect(Number((await student.send(id, 't3', `a-${id}-t3`))['seq'])).toBeGreaterThan(2);
  });
});
