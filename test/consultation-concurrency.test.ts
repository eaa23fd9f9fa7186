import { consultationIn, type ConsultationState } from './support/consultation-in-state';
import { startTestSystem, type TestSystem } from './support/test-system';

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
  for (const [id, role] of [
    ['s1', 'STUDENT'],
    ['p1', 'PROFESSOR'],
    ['a1', 'ADMIN'],
  ] as const)
    await sys.core.users.upsert({ id, name: id, role });
});
afterAll(() => sys.close());

const consultation = (state: ConsultationState) => consultationIn(sys, state);

describe('conflicting transitions at once', () => {
  it('50 approvals and rejections (professor and admin) on one PENDING consultation → exactly one winner', async () => {
    const id = await consultation('PENDING');
    const professor = sys.token('p1', 'PROFESSOR');
    const admin = sys.token('a1', 'ADMIN');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0
          ? sys.http('POST', '/api/consultation/approve', { token: i % 4 ? admin : professor, body: { requestIdx: id } })
          : sys.http('POST', '/api/consultation/reject', { token: i % 4 === 1 ? admin : professor, body: { requestIdx: id, reason: 'r' } }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.error.code === 'INVALID_STATE_TRANSITION')).toHaveLength(49);
    const row = await sys.db.knex('CONSULTATION_REQUEST_TBL').where({ request_idx: id }).first();
    expect(row.status).toBe(winners[0]!.body.status);
    expect(row.version).toBe(2);
  });

  it("approvals racing the student's cancels: one move out of PENDING; a cancel after approval is a legal second step", async () => {
    const id = await consultation('PENDING');
    const professor = sys.token('p1', 'PROFESSOR');
    const student = sys.token('s1', 'STUDENT');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0
          ? sys.http('POST', '/api/consultation/approve', { token: professor, body: { requestIdx: id } })
          : sys.http('POST', '/api/consultation/cancel', { token: student, body: { requestIdx: id } }),
      ),
    );
    const wins = results.filter((r) => r.status === 200);
    const row = await sys.db.knex('CONSULTATION_REQUEST_TBL').where({ request_idx: id }).first();
    expect(row.status).toBe('CANCELED');
    // Either the cancel won outright (1 success), or exactly one approve then exactly one cancel (PENDING → SCHEDULED → CANCELED).
    expect(row.version).toBe(wins.length + 1);
    expect(wins.length === 1 || (wins.length === 2 && row.approved_at !== null)).toBe(true);
    expect(results.filter((r) => r.status === 409)).toHaveLength(50 - wins.length);
  });

  it('50 ends of one IN_PROGRESS consultation → one COMPLETED', async () => {
    const id = await consultation('IN_PROGRESS');
    const tokens = [sys.token('s1', 'STUDENT'), sys.token('p1', 'PROFESSOR')];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => sys.http('POST', '/api/consultation/end', { token: tokens[i % 2], body: { requestIdx: id } })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
  });
});
