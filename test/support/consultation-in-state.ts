import type { TestSystem } from './test-system';

export type ConsultationState = 'PENDING' | 'SCHEDULED' | 'IN_PROGRESS' | 'COMPLETED';

/**
 * A consultation between a student and a professor (both known to the directory) in the given state, made
 * through the REST API the way clients make one. Returns its requestIdx.
 */
export async function consultationIn(sys: TestSystem, state: ConsultationState, parties: { studentId?: string; professorId?: string } = {}): Promise<number> {
  const studentId = parties.studentId ?? 's1';
  const professorId = parties.professorId ?? 'p1';
  const student = sys.token(studentId, 'STUDENT');
  const professor = sys.token(professorId, 'PROFESSOR');
  const r = await sys.http('POST', '/api/consultation/request', { token: student, body: { professorId, title: 'chat', content: 'c' } });
  if (r.status !== 201) throw new Error(`request: ${r.status} ${JSON.stringify(r.body)}`);
  const id = r.body.requestIdx as number;
  if (state === 'PENDING') return id;
  await sys.http('POST', '/api/consultation/approve', { token: professor, body: { requestIdx: id } });
  if (state === 'SCHEDULED') return id;
  await sys.http('POST', '/api/consultation/start', { token: student, body: { requestIdx: id } });
  if (state === 'COMPLETED') await sys.http('POST', '/api/consultation/end', { token: student, body: { requestIdx: id } });
  return id;
}
