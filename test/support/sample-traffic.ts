import { eventually } from './eventually';
import { TestStompClient } from './stomp-test-client';
import type { TestSystem } from './test-system';

/**
 * Traffic through every path, for the monitoring tests: REST, STOMP chat (some of it rate-limited when
 * the system's send budget is small), persistence, and an archive.
 */
export async function driveSampleTraffic(sys: TestSystem): Promise<void> {
  await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  const student = sys.token('s1', 'STUDENT');
  const r = await sys.http('POST', '/api/consultation/request', { token: student, body: { professorId: 'p1', title: 't', content: 'c' } });
  const id = r.body.requestIdx;
  await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: id } });
  const c = await TestStompClient.connect(sys.gateway.port, student);
  await Promise.allSettled(Array.from({ length: 10 }, (_, i) => c.send(id, `m${i}`, `m-${i}`)));
  await c.close();
  await sys.http('POST', '/api/consultation/end', { token: student, body: { requestIdx: id } });
  await eventually(async () => (await sys.db.knex('CONSULTATION_REQUEST_TBL').where({ request_idx: id }).first()).archived_at !== null, 10_000, 'archived');
}
