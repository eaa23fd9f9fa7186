import { readSealedObject } from '../lib/archive/archive-reader';
import { listSegments } from '../lib/archive/snapshot-chain';
import { createLogger } from '../lib/logging/logger';
import { archiveObjectKey, snapshotObjectKey } from '../lib/storage/object-keys';
import { startWorkers, type RunningWorkers } from '../workers/worker-app';
import { eventually } from './support/eventually';
import { metricValue } from './support/metric-value';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

const fast = { CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000', QUEUE_RETRY_BASE_MS: '100', QUEUE_RETRY_CAP_MS: '500' };

async function openRoom(sys: TestSystem, state: 'SCHEDULED' | 'IN_PROGRESS' = 'IN_PROGRESS'): Promise<number> {
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
  const student = sys.token('s1', 'STUDENT');
  const r = await sys.http('POST', '/api/consultation/request', { token: student, body: { professorId: 'p1', title: 't', content: 'c' } });
  await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: r.body.requestIdx } });
  if (state === 'IN_PROGRESS') await sys.http('POST', '/api/consultation/start', { token: student, body: { requestIdx: r.body.requestIdx } });
  return r.body.requestIdx;
}

const row = (sys: TestSystem, id: number) => sys.db.knex('CONSULTATION_REQUEST_TBL').where({ request_idx: id }).first();

describe('auto-close', () => {
  let sys: TestSystem;
  const clients: TestStompClient[] = [];
  beforeAll(async () => {
    sys = await startTestSystem(
      { ...fast, AUTO_CLOSE_INACTIVE_MS: '1500', AUTO_CLOSE_MAX_DURATION_MS: '5000', AUTO_CLOSE_WARN_BEFORE_MS: '2500', AUTO_CLOSE_SCAN_INTERVAL_MS: '200' },
      {},
      { workers: true },
    );
  }, 30_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sys.close();
  });

  it('an idle consultation ends INACTIVE and is archived', async () => {
    const id = await openRoom(sys);
    const professor = await TestStompClient.connect(sys.gateway.port, sys.token('p1', 'PROFESSOR'));
    clients.push(professor);
    await professor.waitFor(() => professor.events.some((e) => e.requestIdx === id && e.type === 'STATUS' && e.status === 'COMPLETED'), 10_000, 'auto end');
    expect(professor.events.find((e) => e.requestIdx === id && e.status === 'COMPLETED')).toMatchObject({ endReason: 'INACTIVE' });
    await eventually(async () => (await row(sys, id)).archived_at !== null, 10_000, 'archived');
  });

  it('a room that keeps talking is never closed as idle; it gets exactly one WARNING and then ends MAX_DURATION', async () => {
    const id = await openRoom(sys);
    const student = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
    clients.push(student);
    let n = 0;
    // Talk every 300 ms (well inside the 1.5 s idle threshold) until the consultation ends.
    while (!student.events.some((e) => e.requestIdx === id && e.status === 'COMPLETED')) {
      await student.send(id, `still here ${n}`, `talk-${n++}`).catch(() => undefined);
      await student.waitFor(() => student.events.some((e) => e.requestIdx === id && e.status === 'COMPLETED'), 300).catch(() => undefined);
    }
    const mine = student.events.filter((e) => e.requestIdx === id);
    expect(mine.filter((e) => e.type === 'WARNING')).toHaveLength(1);
    const warning = mine.find((e) => e.type === 'WARNING')!;
    const started = (await row(sys, id)).started_at as Date;
    expect(Date.parse(warning['endsAt'] as string)).toBe(started.getTime() + 5000);
    expect(mine.find((e) => e.status === 'COMPLETED')).toMatchObject({ endReason: 'MAX_DURATION' });
    expect(mine.findIndex((e) => e.type === 'WARNING')).toBeLessThan(mine.findIndex((e) => e.status === 'COMPLETED'));
    expect(n).toBeGreaterThan(8);
  }, 20_000);

  it("a user's end racing the scheduler's yields one COMPLETED and one archive", async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => openRoom(sys)));
    // Make them overdue, then end them by hand at the same moment the scanner can see them.
    await sys.db
      .knex('CONSULTATION_REQUEST_TBL')
      .whereIn('request_idx', ids)
      .update({ started_at: new Date(Date.now() - 60_000) });
    const ends = await Promise.all(ids.map((id) => sys.http('POST', '/api/consultation/end', { token: sys.token('s1', 'STUDENT'), body: { requestIdx: id } })));
    expect(ends.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    for (const id of ids) {
      await eventually(async () => (await row(sys, id)).archived_at !== null, 10_000, 'archived');
      const r = await row(sys, id);
      expect(r.status).toBe('COMPLETED');
      expect(r.version).toBe(4);
      const jobs = await sys.core.queues.queue('consultation-archive').getJobs(['completed', 'failed', 'waiting', 'active', 'delayed']);
      expect(jobs.filter((j) => j.data.requestIdx === id)).toHaveLength(1);
    }
  });
});

describe('backup', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ ...fast, BACKUP_INTERVAL_MS: '300' }, {}, { workers: true });
  }, 30_000);
  afterAll(() => sys.close());

  const uploads = () => metricValue(sys.workers!.metrics.registry, 'oh_backup_rooms_total', { result: 'uploaded' });
  const cycles = () => metricValue(sys.workers!.metrics.registry, 'oh_backup_cycle_seconds');

  it('uploads a changed room, skips it while unchanged, uploads again after a new message', async () => {
    const id = await openRoom(sys);
    const student = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
    await student.send(id, 'snapshot me', 'b-1');
    const text = await eventually(
      () => readSealedObject(sys.core.store, sys.core.keyring, snapshotObjectKey(id), { kind: 'snapshot', requestIdx: id }),
      10_000,
      'snapshot',
    );
    expect(text.toString()).toContain('snapshot me');
    const obj = await sys.core.store.get(snapshotObjectKey(id));
    expect(obj!.body.includes(Buffer.from('snapshot me'))).toBe(false);

    // The upload is counted when its cycle ends, after the object is visible: let that cycle end first.
    const cyclesAtSnapshot = await cycles();
    await eventually(async () => (await cycles()) >= cyclesAtSnapshot + 1, 10_000, 'the snapshot cycle to end');
    const before = await uploads();
    const cyclesBefore = await cycles();
    await eventually(async () => (await cycles()) >= cyclesBefore + 3, 10_000, 'three more cycles');
    expect(await uploads()).toBe(before);

    await student.send(id, 'a change', 'b-2');
    await eventually(async () => (await uploads()) > before, 10_000, 'upload after change');
    // The change went up as a segment after the base (or a new base, when the segments outweigh it).
    const [segment] = await listSegments(sys.core.store, id);
    const sealed = segment
      ? await readSealedObject(sys.core.store, sys.core.keyring, segment.key, { kind: 'segment', requestIdx: id })
      : await readSealedObject(sys.core.store, sys.core.keyring, snapshotObjectKey(id), { kind: 'snapshot', requestIdx: id });
    expect(sealed!.toString()).toContain('a change');
    await student.close();
  });

  it('with three worker processes, each cycle runs once', async () => {
    const log = createLogger({ level: 'silent', role: 'test' });
    const extra: RunningWorkers[] = [await startWorkers(sys.config, log, { metricsPort: 0 }), await startWorkers(sys.config, log, { metricsPort: 0 })];
    try {
      const all = [sys.workers!, ...extra];
      const total = async () => (await Promise.all(all.map((w) => metricValue(w.metrics.registry, 'oh_backup_cycle_seconds')))).reduce((a, b) => a + b, 0);
      const start = await total();
      const t0 = Date.now();
      await eventually(async () => Date.now() - t0 > 3000 && (await total()) > start, 10_000, 'cycles');
      const ran = (await total()) - start;
      const elapsedCycles = (Date.now() - t0) / 300;
      expect(ran).toBeGreaterThan(0);
      expect(ran).toBeLessThanOrEqual(Math.ceil(elapsedCycles) + 2);
    } finally {
      await Promise.all(extra.map((w) => w.close()));
    }
  });
});

describe('cleanup', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ ...fast, CLEANUP_INTERVAL_MS: '400', TEMP_RETENTION_MS: '1000' }, {}, { workers: true });
  }, 30_000);
  afterAll(() => sys.close());

  it('removes what it should and nothing else', async () => {
    const k = sys.core.keys;
    const open = await openRoom(sys);
    const archivedId = await openRoom(sys);
    const canceled = await openRoom(sys, 'SCHEDULED');
    const lostArchive = await openRoom(sys);

    const student = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
    await student.send(open, 'keep me', 'c-1');
    await student.send(lostArchive, 'archive me later', 'c-2');
    await sys.http('POST', '/api/consultation/end', { token: sys.token('s1', 'STUDENT'), body: { requestIdx: archivedId } });
    await eventually(async () => (await row(sys, archivedId)).archived_at !== null, 10_000, 'archived');
    await sys.http('POST', '/api/consultation/cancel', { token: sys.token('s1', 'STUDENT'), body: { requestIdx: canceled } });
    // A completed consultation whose archive job was lost (crash between the end and the enqueue).
    await sys.db
      .knex('CONSULTATION_REQUEST_TBL')
      .where({ request_idx: lostArchive })
      .update({ status: 'COMPLETED', ended_at: new Date(Date.now() - 3600_000), end_reason: 'USER' });

    // The open room stays active (its stamp is kept ahead of the short retention used here).
    await sys.db
      .knex('CONSULTATION_REQUEST_TBL')
      .where({ request_idx: open })
      .update({ last_activity_at: new Date(Date.now() + 3600_000) });
    await sys.core.redis.rpush(k.chatRoom(canceled), '{"stale":true}');
    await sys.core.redis.rpush(k.chatRoom(987_654), '{"stale":true}');
    for (const id of [open, archivedId, canceled]) await sys.core.store.put(snapshotObjectKey(id), Buffer.from('x'), {});

    await eventually(async () => (await row(sys, lostArchive)).archived_at !== null, 15_000, 'lost archive recovered');
    await eventually(async () => !(await sys.core.store.exists(snapshotObjectKey(archivedId))), 10_000, 'archived snapshot removed');
    // One EXISTS per key: on a cluster the two rooms live in different slots.
    const orphansLeft = async () => (await sys.core.redis.exists(k.chatRoom(canceled))) + (await sys.core.redis.exists(k.chatRoom(987_654)));
    await eventually(async () => (await orphansLeft()) === 0, 10_000, 'orphans removed');
    // The canceled room's stale snapshot goes once it is older than the retention.
    await eventually(async () => !(await sys.core.store.exists(snapshotObjectKey(canceled))), 10_000, 'stale snapshot removed');

    expect(await sys.core.redis.exists(sys.core.keys.chatMeta(open))).toBe(1);
    expect(await sys.core.store.exists(snapshotObjectKey(open))).toBe(true);
    expect(await sys.core.store.exists(archiveObjectKey(lostArchive))).toBe(true);
    expect(
      (await readSealedObject(sys.core.store, sys.core.keyring, archiveObjectKey(lostArchive), { kind: 'archive', requestIdx: lostArchive }))!.toString(),
    ).toContain('archive me later');
    await student.close();
  });
});

describe('chat TTL', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ ...fast, CHAT_TTL_MS: '60000' });
  });
  afterAll(() => sys.close());

  it('every message resets the room TTL, so an open room never loses its hot log', async () => {
    const id = await openRoom(sys);
    const student = await TestStompClient.connect(sys.gateway.port, sys.token('s1', 'STUDENT'));
    await student.send(id, 'first', 't-1');
    const k = sys.core.keys;
    expect(await sys.core.redis.pttl(k.chatRoom(id))).toBeGreaterThan(55_000);
    // As if most of the TTL had passed over a quiet weekend:
    await sys.core.redis.pexpire(k.chatRoom(id), 5_000);
    await sys.core.redis.pexpire(k.chatMeta(id), 5_000);
    // The list's TTL restarts with every message, however recent the last refresh.
    await student.send(id, 'right after', 't-2');
    expect(await sys.core.redis.pttl(k.chatRoom(id))).toBeGreaterThan(55_000);
    expect(await sys.core.redis.pttl(k.chatMeta(id))).toBeLessThanOrEqual(5_000);
    // The room's other keys once their last refresh is 1/64 of the TTL old (the weekend, moved back in time).
    await sys.core.redis.hset(k.chatMeta(id), 'ttlAt', Date.now() - 60_000);
    await student.send(id, 'monday', 't-3');
    for (const key of [k.chatRoom(id), k.chatMeta(id), k.chatDedupe(id), k.persistMarks(id)]) expect(await sys.core.redis.pttl(key)).toBeGreaterThan(55_000);
    await student.close();
  });
});
