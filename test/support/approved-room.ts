import type { TestSystem } from './test-system';

/** A consultation requested by `studentId` and approved by professor `p1` (who must exist): open for chat. */
export async function approvedRoom(sys: TestSystem, studentId: string): Promise<number> {
  const r = await sys.http('POST', '/api/consultation/request', {
    token: sys.token(studentId, 'STUDENT'),
    body: { professorId: 'p1', title: 't', content: 'c' },
  });
  const id = r.body.requestIdx as number;
  await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: id } });
  return id;
}
