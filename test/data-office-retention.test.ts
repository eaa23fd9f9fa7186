import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { RetentionPurge } from '../lib/data-office/retention-purge';
import { createLogger } from '../lib/logging/logger';
import { createRedis } from '../lib/redis/redis-client';
import { bullPrefix, QUEUE_NAMES } from '../lib/queues/queue-names';
import type { ChatLog } from '../lib/chat/hot-log/chat-log';
import type { ObjectStore } from '../lib/storage/object-store';
import { archiveObjectKey, snapshotObjectKey } from '../lib/storage/object-keys';
import { eventually } from './support/eventually';
import { metricValue } from './support/metric-value';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

const run = promisify(execFile);
let sys: TestSystem;
let events: QueueEvents;
let eventsConnection: Redis;
const clients: TestStompClient[] = [];
const student = () => sys.token('s1', 'STUDENT', { name: 'Kim' });
const professor = () => sys.token('p1', 'PROFESSOR', { name: 'Lee' });
const admin = () => sys.token('a1', 'ADMIN');
const table = () => sys.db.knex('CONSULTATION_REQUEST_TBL');

beforeAll(async () => {
  sys = await startTestSystem(
    { RETENTION_DAYS: '30', RETENTION_PURGE_BATCH: '3', CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000', QUEUE_RETRY_BASE_MS: '100' },
    {},
    { workers: true },
  );
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
  eventsConnection = createRedis(sys.config, 'test-events', { forBullWorker: true });
  events = new QueueEvents(QUEUE_NAMES.dataOffice, { connection: eventsConnection, prefix: bullPrefix(sys.config.redisPrefix, QUEUE_NAMES.dataOffice) });
  await events.waitUntilReady();
}, 30_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await events?.close();
  await eventsConnection?.quit();
  await sys?.close();
});

/** A completed, archived consultation with messages, a snapshot object and push log rows, ended `daysAgo` days ago. */
async function endedConsultation(daysAgo: number): Promise<number> {
  const r = await sys.http('POST', '/api/consultation/request', {
    token: student(),
    body: { professorId: 'p1', title: 'Old question', content: 'private words' },
  });
  const id = r.body.requestIdx as number;
  await sys.http('POST', '/api/consultation/approve', { token: professor(), body: { requestIdx: id } });
  const s = await TestStompClient.connect(sys.gateway.port, student());
  clients.push(s);
  for (let i = 0; i < 3; i++) await s.send(id, `message ${i} of ${id}`, `r-${id}-${i}`);
  await sys.http('POST', '/api/consultation/end', { token: student(), body: { requestIdx: id } });
  await eventually(async () => (await table().where({ request_idx: id }).first()).archived_at ?? undefined, 15_000, 'archived');
  await sys.core.store.put(snapshotObjectKey(id), Buffer.from('sealed bytes'), {});
  await sys.db.knex('notification_log').insert({ kind: 'CHAT', user_id: 'p1', request_idx: id, status: 'SENT' });
  await table()
    .where({ request_idx: id })
    .update({ ended_at: sys.db.knex.raw(`now() - interval '${daysAgo} days'`) });
  return id;
}

async function leftovers(id: number) {
  const k = sys.core.keys;
  const count = async (t: string) => Number((await sys.db.knex(t).where({ request_idx: id }).count('* as n'))[0]!['n']);
  return {
    messages: await count('chat_message'),
    notifications: await count('notification_log'),
    reservations: await count('chat_seq_reservation'),
    archive: await sys.core.store.exists(archiveObjectKey(id)),
    snapshot: await sys.core.store.exists(snapshotObjectKey(id)),
    redisKeys: await sys.core.redis.exists(k.chatRoom(id), k.chatMeta(id), k.chatDedupe(id), k.persistMarks(id)),
  };
}
const nothingLeft = { messages: 0, notifications: 0, reservations: 0, archive: false, snapshot: false, redisKeys: 0 };

async function runPurgeJob(): Promise<Record<string, unknown>> {
  const job = await sys.core.queues.queue(QUEUE_NAMES.dataOffice).add('retention-purge', {});
  return (await job.waitUntilFinished(events, 30_000)) as Record<string, unknown>;
}

describe('retention purge', () => {
  it('purges every trace of a consultation past retention, keeps a minimal row, and the download says why it is gone', async () => {
    const old = await endedConsultation(40);
    const recent = await endedConsultation(5);
    // Keys a crashed gateway could have left behind: the purge removes them too.
    await sys.core.redis.set(sys.core.keys.chatMeta(old), 'left');
    expect((await leftovers(old)).messages).toBe(3);

    const dry = await sys.workers!.context.purge.dryRun();
    expect(dry.wouldPurge).toBeGreaterThanOrEqual(1);
    expect(dry.sample).toContain(old);
    expect(dry.sample).not.toContain(recent);
    expect((await leftovers(old)).messages).toBe(3); // a dry run deletes nothing

    // The operator's dry run (npm run retention -- --dry-run) reports the same.
    const cli = await run(process.execPath, ['--import', 'tsx', 'scripts/retention.ts', '--dry-run'], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...sys.env, LOG_LEVEL: 'silent', STARTUP_WARNINGS: 'false' },
      timeout: 20_000,
    });
    expect(JSON.parse(cli.stdout)).toMatchObject({ retentionDays: 30, wouldPurge: dry.wouldPurge, sample: dry.sample });

    const report = await runPurgeJob();
    expect(report['purged']).toBeGreaterThanOrEqual(1);
    expect(await leftovers(old)).toEqual(nothingLeft);
    const row = await table().where({ request_idx: old }).first();
    expect(row.purged_at).not.toBeNull();
    expect([row.title, row.content, row.status]).toEqual(['', '', 'COMPLETED']);
    expect((await leftovers(recent)).messages).toBe(3);
    expect(await sys.core.store.exists(archiveObjectKey(recent))).toBe(true);

    const download = await sys.http('GET', `/api/chat/archive/download/${old}`, { token: student() });
    expect(download.status).toBe(404);
    expect(download.body.error.message).toMatch(/purged on .* retention policy/);
    const view = await sys.http('GET', `/api/consultation/${old}`, { token: student() });
    expect(view.body).toMatchObject({ requestIdx: old, status: 'COMPLETED', title: '', content: '' });
    expect((await sys.http('GET', `/api/chat/messages/${old}`, { token: student() })).body.items).toEqual([]);
    const history = await sys.http('GET', '/api/consultation/history?size=100', { token: student() });
    expect(history.body.items.map((c: { requestIdx: number }) => c.requestIdx)).toContain(old);

    const audit = await sys.http('GET', `/api/admin/audit?action=PURGE&target=consultation:${old}`, { token: admin() });
    expect(audit.body.items).toEqual([expect.objectContaining({ actorId: null, action: 'PURGE', target: `consultation:${old}` })]);
    const registry = sys.workers!.metrics.registry;
    expect(await metricValue(registry, 'oh_retention_purged_total')).toBeGreaterThanOrEqual(1);
    expect(await metricValue(registry, 'oh_retention_pending')).toBe(0);
  });

  it('never purges a consultation under legal hold, and a hold on a purged one is refused', async () => {
    const held = await endedConsultation(60);
    const hold = await sys.http('POST', `/api/admin/consultations/${held}/legal-hold`, { token: admin(), body: { hold: true } });
    expect(hold.status).toBe(200);
    expect(hold.body.requestIdx).toBe(held);
    expect((await table().where({ request_idx: held }).first()).legal_hold).toBe(true);
    expect((await sys.http('POST', `/api/admin/consultations/${held}/legal-hold`, { token: professor(), body: { hold: false } })).status).toBe(403);
    expect((await sys.http('POST', `/api/admin/consultations/${held}/legal-hold`, { token: admin(), body: { hold: 'yes' } })).status).toBe(400);

    await runPurgeJob();
    expect((await leftovers(held)).messages).toBe(3);
    expect((await sys.workers!.context.purge.dryRun()).held).toBeGreaterThanOrEqual(1);

    await sys.http('POST', `/api/admin/consultations/${held}/legal-hold`, { token: admin(), body: { hold: false } });
    await runPurgeJob();
    expect(await leftovers(held)).toEqual(nothingLeft);
    const late = await sys.http('POST', `/api/admin/consultations/${held}/legal-hold`, { token: admin(), body: { hold: true } });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('INVALID_STATE_TRANSITION');
    const trail = await sys.http('GET', `/api/admin/audit?target=consultation:${held}&size=100`, { token: admin() });
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual(['PURGE', 'LEGAL_HOLD_RELEASED', 'LEGAL_HOLD_SET', 'END', 'APPROVE']);
  });

  it('is bounded per run, and a run that reaches its bound queues the next one at once', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await endedConsultation(45));
    const first = await sys.workers!.context.purge.run();
    expect(first).toMatchObject({ purged: 3, more: true, pending: 2 });
    // The job finishes the backlog through its follow-up run.
    await runPurgeJob();
    await eventually(async () => (await table().whereIn('request_idx', ids).whereNull('purged_at')).length === 0, 15_000, 'all purged');
  });

  it.each(['archive', 'snapshot', 'redis'] as const)(
    'resumes after a crash at the %s step: nothing is marked purged until everything is gone',
    async (step) => {
      const id = await endedConsultation(50);
      const crash = () => {
        throw new Error(`crash at ${step}`);
      };
      const store = {
        remove: async (key: string) =>
          (step === 'archive' && key.startsWith('archive/')) || (step === 'snapshot' && key.startsWith('temp/')) ? crash() : sys.core.store.remove(key),
      } as unknown as ObjectStore;
      const chatLog = { remove: async (room: number) => (step === 'redis' ? crash() : sys.core.hotLog.chatLog.remove(room)) } as unknown as ChatLog;
      const settings = { ...sys.config.retention, batch: 100 };
      const log = createLogger({ level: 'silent', role: 'test' });
      const crashing = new RetentionPurge({ knex: sys.core.knex, owners: sys.core.dataOwners, store, chatLog, audit: sys.core.audit, settings, log });
      const r = await crashing.run();
      expect(r.failed).toBeGreaterThanOrEqual(1);
      const row = await table().where({ request_idx: id }).first();
      expect(row.purged_at).toBeNull();
      expect((await leftovers(id)).messages).toBe(3);

      await sys.workers!.context.purge.run();
      expect(await leftovers(id)).toEqual(nothingLeft);
      // Resumed once, recorded once.
      const trail = await sys.http('GET', `/api/admin/audit?action=PURGE&target=consultation:${id}`, { token: admin() });
      expect(trail.body.total).toBe(1);
    },
  );
});
