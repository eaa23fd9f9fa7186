import { eventually } from './support/eventually';
import { metricValue } from './support/metric-value';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/** An archive a retry cannot fix fails once, for good, counted and visible as a failed job; nothing is deleted. */
let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem(
    { ARCHIVE_MAX_BYTES: '2000', CHAT_SEND_RATE_PER_SEC: '1000', CHAT_SEND_BURST: '1000', QUEUE_RETRY_BASE_MS: '50', QUEUE_RETRY_CAP_MS: '100' },
    {},
    { workers: true },
  );
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
}, 30_000);
afterAll(() => sys.close());

it('an archive over ARCHIVE_MAX_BYTES is unrecoverable: one attempt, metric, failed job, hot copies kept, download 404', async () => {
  const student = sys.token('s1', 'STUDENT');
  const r = await sys.http('POST', '/api/consultation/request', { token: student, body: { professorId: 'p1', title: 'big', content: 'c' } });
  const id = r.body.requestIdx as number;
  await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: id } });
  const c = await TestStompClient.connect(sys.gateway.port, student);
  for (let i = 0; i < 3; i++) await c.send(id, 'x'.repeat(1000), `big-${i}`);
  await c.close();
  await sys.http('POST', '/api/consultation/end', { token: student, body: { requestIdx: id } });

  const queue = sys.core.queues.queue('consultation-archive');
  const failed = await eventually(async () => (await queue.getJobs(['failed'])).find((j) => j.data.requestIdx === id), 15_000, 'failed archive job');
  expect(failed.attemptsMade).toBe(1);
  expect(failed.failedReason).toMatch(/over 2000/);
  expect(await metricValue(sys.workers!.metrics.registry, 'oh_archives_total', { outcome: 'unrecoverable' })).toBe(1);
  expect((await sys.http('GET', `/api/chat/archive/download/${id}`, { token: student })).status).toBe(404);
  expect((await sys.core.consultations.findById(id))!.archivedAt).toBeFalsy();
  expect(await sys.core.redis.exists(sys.core.keys.chatMeta(id))).toBe(1);
});
