import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { seal } from '../lib/archive/archive-cipher';
import { buildArchiveRestorer } from '../lib/runtime/core-services';
import type { RestoreAllReport } from '../lib/archive/restore-all';
import { formatArchive } from '../lib/archive/archive-text';
import { headerOf } from '../lib/archive/consultation-archiver';
import { runSealTask } from '../lib/archive/seal-task';
import { listSegments, removeSnapshot } from '../lib/archive/snapshot-chain';
import { createLogger } from '../lib/logging/logger';
import { buildBackupCycle } from '../lib/runtime/backup-composition';
import { snapshotObjectKey, snapshotSegmentKey } from '../lib/storage/object-keys';
import { eventually } from './support/eventually';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

let sys: TestSystem;
const clients: TestStompClient[] = [];
const studentToken = () => sys.token('s1', 'STUDENT', { name: 'Kim' });
const professorToken = () => sys.token('p1', 'PROFESSOR', { name: 'Lee' });

beforeAll(async () => {
  sys = await startTestSystem(
    { CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000', QUEUE_RETRY_BASE_MS: '100', QUEUE_RETRY_CAP_MS: '400', BACKUP_INTERVAL_MS: '3600000' },
    {},
    { workers: true },
  );
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
}, 30_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sys.close();
});

const restorer = () => buildArchiveRestorer(sys.core);
const backup = () => buildBackupCycle(sys.core, { seal: async (t) => runSealTask(t) }, createLogger({ level: 'silent', role: 'test' }));

/** Every column a restore must give back, in seq order. */
const rowsOf = async (id: number) =>
  (await sys.db.knex('chat_message').where({ request_idx: id }).orderBy('seq')).map((r) => ({
    seq: r.seq,
    senderId: r.sender_id,
    senderRole: r.sender_role,
    content: r.content,
    sentAt: new Date(r.sent_at).toISOString(),
    clientMsgId: r.client_msg_id,
    messageId: r.message_id,
  }));
const count = async (id: number) => Number((await sys.db.knex('chat_message').where({ request_idx: id }).count<{ n: string }[]>('* as n'))[0]!.n);
const archived = (id: number) =>
  sys.db
    .knex('CONSULTATION_REQUEST_TBL')
    .where({ request_idx: id })
    .first()
    .then((r) => (r.archived_at ? r : undefined));

/**
 * `npm run restore -- --all …` as a process: its JSON report (the last line of stdout) and its stderr. With
 * `tty` it runs on a terminal of its own (util-linux `script`), where stdout and stderr are one stream.
 */
async function restoreAll(args: string[], tty = false): Promise<{ report: RestoreAllReport; stderr: string }> {
  const command = [process.execPath, '--import', 'tsx', RESTORE_SCRIPT, '--all', ...args];
  const [file, argv] = tty ? ['script', ['-qec', command.join(' '), '/dev/null']] : [command[0]!, command.slice(1)];
  const out = await promisify(execFile)(file, argv, { env: { ...process.env, ...sys.env, LOG_LEVEL: 'warn' }, timeout: 60_000 });
  const lines = out.stdout.trim().split(/\r?\n/);
  // Logs go to stderr: off a terminal, stdout is the report alone.
  if (!tty) expect(lines).toHaveLength(1);
  return { report: JSON.parse(lines.at(-1)!) as RestoreAllReport, stderr: tty ? out.stdout : out.stderr };
}
const RESTORE_SCRIPT = path.join(__dirname, '..', 'scripts', 'restore.ts');
const item = (report: RestoreAllReport, id: number) => report.items.find((i) => i.requestIdx === id);

/** Seals the room's temp snapshot without its restore section, as older code did; returns the sealed body. */
async function putOldFormatSnapshot(id: number): Promise<Uint8Array> {
  const c = (await sys.core.consultations.findById(id))!;
  const messages = await sys.core.hotLog.chatMessages.listAfter(id, 0, 100);
  const old = seal(
    Buffer.from(formatArchive(headerOf(c), messages, 'Asia/Seoul')),
    { kind: 'snapshot', requestIdx: id },
    'k1',
    sys.core.keyring.keys.get('k1')!,
  );
  await sys.core.store.put(snapshotObjectKey(id), old.body, old.metadata);
  return old.body;
}

/** A room whose seqs jump: half its messages before a loss of the room's Redis keys, half after (the reservation is skipped). */
async function roomWithSkippedSeqs(n: number): Promise<{ id: number; student: TestStompClient; professor: TestStompClient }> {
  const r = await sys.http('POST', '/api/consultation/request', { token: studentToken(), body: { professorId: 'p1', title: 'Exact', content: 'c' } });
  const id = r.body.requestIdx as number;
  await sys.http('POST', '/api/consultation/approve', { token: professorToken(), body: { requestIdx: id } });
  const student = await TestStompClient.connect(sys.gateway.port, studentToken());
  const professor = await TestStompClient.connect(sys.gateway.port, professorToken());
  clients.push(student, professor);
  const say = (i: number) => (i % 2 ? professor : student).send(id, `line ${i} \\ with\nnewline 😀`, `exact-${id}-${i}`);
  for (let i = 0; i < n / 2; i++) await say(i);
  await eventually(async () => (await count(id)) === n / 2, 10_000, 'first half committed');
  const k = sys.core.keys;
  await sys.core.redis.del(k.chatRoom(id), k.chatMeta(id), k.chatDedupe(id), k.persistMarks(id));
  for (let i = n / 2; i < n; i++) await say(i);
  await eventually(async () => (await count(id)) === n, 10_000, 'all committed');
  return { id, student, professor };
}

describe('exact restore', () => {
  it('from the archive: the same seqs (with their gap), senders, roles, contents, times to the ms and client ids; the download is unchanged', async () => {
    const { id } = await roomWithSkippedSeqs(10);
    const before = await rowsOf(id);
    expect(before[5]!.seq).toBeGreaterThan(before[4]!.seq + 1); // the reservation was skipped
    await sys.http('POST', '/api/consultation/end', { token: professorToken(), body: { requestIdx: id } });
    await eventually(() => archived(id), 15_000, 'archived');

    // The download is the contract's text only, byte for byte what it was before the restore section existed.
    const download = await sys.http('GET', `/api/chat/archive/download/${id}`, { token: studentToken() });
    const c = (await sys.core.consultations.findById(id))!;
    const messages = await sys.core.hotLog.chatMessages.listAfter(id, 0, 100);
    expect(download.body).toBe(formatArchive(headerOf(c), messages, 'Asia/Seoul'));
    expect(download.body).not.toContain('restore-section');

    await sys.db.knex('chat_message').where({ request_idx: id }).del();
    const report = await restorer().restore(id, 'archive');
    expect(report).toMatchObject({ lines: 10, inserted: 10, legacy: false });
    expect(await rowsOf(id)).toEqual(before);
    expect((await restorer().restore(id, 'archive')).inserted).toBe(0);
  }, 60_000);

  it('an open room from its temp base and segments, over its committed hot tail: nothing twice, nothing renumbered', async () => {
    const { id, student } = await roomWithSkippedSeqs(6);
    await backup().run(); // base
    await student.send(id, 'in segment one', `seg-${id}-1`);
    await backup().run();
    await student.send(id, 'in segment two', `seg-${id}-2`);
    await backup().run();
    expect((await listSegments(sys.core.store, id)).length).toBe(2);
    await eventually(async () => (await count(id)) === 8, 10_000, 'committed');
    const before = await rowsOf(id);

    // PostgreSQL loses the room; Redis still holds its (committed) hot tail.
    await sys.db.knex('chat_message').where({ request_idx: id }).del();
    const report = await restorer().restore(id, 'temp');
    expect(report).toMatchObject({ lines: 8, inserted: 8, segments: 2, skippedSegments: 0, redisRebuilt: true, legacy: false });
    expect(await rowsOf(id)).toEqual(before);
    const history = await sys.http('GET', `/api/chat/messages/${id}`, { token: studentToken() });
    expect(history.body.items.map((m: { seq: number }) => m.seq)).toEqual(before.map((m) => m.seq));
    // A retry of an old send is still a duplicate with its original seq; a new one comes after everything.
    expect(await student.send(id, 'in segment one', `seg-${id}-1`)).toMatchObject({ seq: String(before[6]!.seq), duplicate: 'true' });
    expect(Number((await student.send(id, 'after restore', `seg-${id}-3`))['seq'])).toBeGreaterThan(before.at(-1)!.seq);
  }, 60_000);

  it('a segment swapped in from another room, or moved to another link, is refused', async () => {
    const a = await roomWithSkippedSeqs(2);
    const b = await roomWithSkippedSeqs(2);
    for (const r of [a, b]) {
      await backup().run();
      await r.student.send(r.id, 'new words', `swap-${r.id}`);
      await backup().run();
    }
    const [segA] = await listSegments(sys.core.store, a.id);
    const [segB] = await listSegments(sys.core.store, b.id);
    const objA = (await sys.core.store.get(segA!.key))!;
    const objB = (await sys.core.store.get(segB!.key))!;

    await sys.core.store.put(snapshotSegmentKey(b.id, segB!.after), objA.body, objA.metadata);
    await expect(restorer().restore(b.id, 'temp')).rejects.toThrow(/integrity check/);
    await sys.core.store.put(snapshotSegmentKey(b.id, segB!.after), objB.body, objB.metadata);
    await sys.core.store.remove(segB!.key);
    await sys.core.store.put(snapshotSegmentKey(b.id, segB!.after + 1), objB.body, objB.metadata);
    await expect(restorer().restore(b.id, 'temp')).rejects.toThrow(/another link of the chain/);
    // The tampered chain would fail the --all runs below.
    await removeSnapshot(sys.core.store, b.id);
  }, 60_000);

  it('restore --all restores every consultation with missing rows, with a progress bar and a JSON report; a second run is a no-op', async () => {
    const rooms = [await roomWithSkippedSeqs(4), await roomWithSkippedSeqs(4)];
    for (const r of rooms) await sys.http('POST', '/api/consultation/end', { token: professorToken(), body: { requestIdx: r.id } });
    for (const r of rooms) await eventually(() => archived(r.id), 15_000, 'archived');
    const before = await Promise.all(rooms.map((r) => rowsOf(r.id)));
    await sys.db.knex('chat_message').where({ request_idx: rooms[0]!.id }).del();
    await sys.db.knex('chat_message').where({ request_idx: rooms[1]!.id }).andWhere('seq', '>', before[1]![1]!.seq).del();

    const first = await restoreAll([]);
    // Not a terminal: plain progress lines, no bar.
    expect(first.stderr).toMatch(/^restore --all from archive: 0\/\d+ consultations \(0 %\)$/m);
    expect(first.stderr).toMatch(/^restore --all from archive: (\d+)\/\1 consultations \(100 %\)$/m);
    expect(first.stderr).not.toContain('[');
    expect(item(first.report, rooms[0]!.id)).toMatchObject({ outcome: 'restored', inserted: 4, legacy: false });
    expect(item(first.report, rooms[1]!.id)).toMatchObject({ outcome: 'restored', inserted: 2 });
    expect(first.report.failed).toBe(0);
    expect(await Promise.all(rooms.map((r) => rowsOf(r.id)))).toEqual(before);

    // On a terminal: one bar redrawn in place.
    const second = await restoreAll([], true);
    expect(second.stderr).toMatch(/\rrestore --all from archive \[#{30}\] (\d+)\/\1\r?\n/);
    expect(second.report).toMatchObject({ restored: 0, insertedRows: 0, failed: 0 });
    expect(second.report.intact).toBe(second.report.consultations - second.report.skipped);
    expect(await Promise.all(rooms.map((r) => rowsOf(r.id)))).toEqual(before);
  }, 120_000);

  it('an object written before the restore section still restores, flagged legacy', async () => {
    const { id } = await roomWithSkippedSeqs(2);
    const c = (await sys.core.consultations.findById(id))!;
    const messages = await sys.core.hotLog.chatMessages.listAfter(id, 0, 10);
    const sealed = runSealTask({ kind: 'snapshot', header: headerOf(c), messages, timeZone: 'Asia/Seoul', keyId: 'k1', key: sys.core.keyring.keys.get('k1')! });
    expect(sealed.body.length).toBeGreaterThan((await putOldFormatSnapshot(id)).length);
    // Without the section seqs are line numbers again (the old behaviour), so nothing else may hold the room.
    await sys.db.knex('chat_message').where({ request_idx: id }).del();
    await sys.core.hotLog.chatLog.remove(id);
    const report = await restorer().restore(id, 'temp');
    expect(report).toMatchObject({ legacy: true, lines: 2 });
    expect((await rowsOf(id)).map((r) => r.content)).toEqual(messages.map((m) => m.content));
  }, 60_000);
  it('restore --all --from temp restores open rooms from base and segments, flags an old-format object as legacy; a second run is a no-op', async () => {
    const { id, student } = await roomWithSkippedSeqs(4);
    const legacyRoom = (await roomWithSkippedSeqs(2)).id;
    await backup().run();
    await student.send(id, 'in a segment', `all-temp-${id}`);
    await eventually(async () => (await count(id)) === 5, 10_000, 'committed');
    await backup().run();
    expect(await listSegments(sys.core.store, id)).toHaveLength(1);
    await putOldFormatSnapshot(legacyRoom);
    const before = await rowsOf(id);
    // PostgreSQL and Redis both lose the two rooms (legacy seqs are line numbers: nothing else may hold that room).
    await sys.db.knex('chat_message').whereIn('request_idx', [id, legacyRoom]).del();
    for (const r of [id, legacyRoom]) await sys.core.hotLog.chatLog.remove(r);

    const first = await restoreAll(['--from', 'temp']);
    expect(first.report).toMatchObject({ source: 'temp', failed: 0 });
    expect(item(first.report, id)).toMatchObject({ outcome: 'restored', inserted: 5, segments: 1, skippedSegments: 0, legacy: false, redisRebuilt: true });
    expect(item(first.report, legacyRoom)).toMatchObject({ outcome: 'restored', legacy: true });
    expect(first.report.legacy).toBe(1);
    expect(await rowsOf(id)).toEqual(before);

    const second = await restoreAll(['--from', 'temp']);
    expect(second.report).toMatchObject({ restored: 0, insertedRows: 0, failed: 0 });
    expect(await rowsOf(id)).toEqual(before);
    // The room goes on after its last restored seq.
    expect(Number((await student.send(id, 'after the restore', `all-temp-${id}-after`))['seq'])).toBeGreaterThan(before.at(-1)!.seq);
  }, 120_000);

  it('--help prints the usage and exits 0 without connecting to anything; a wrong option prints the usage, no stack trace', async () => {
    // Every service address points at a closed port: a connection attempt would hang or fail.
    const nowhere = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1', MINIO_ENDPOINT: 'http://127.0.0.1:1' };
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', RESTORE_SCRIPT, ...args], { env: { ...process.env, ...nowhere }, timeout: 30_000 }).then(
        (out) => ({ code: 0, ...out }),
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
    const help = await run(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^usage: npm run restore -- --request <requestIdx>/);
    expect(help.stdout).toContain('--all');
    const wrong = await run(['--bogus']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("Unknown option '--bogus'");
    expect(wrong.stderr).toContain('usage: npm run restore');
    expect(wrong.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);
});
