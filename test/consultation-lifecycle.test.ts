import { startTestSystem, type TestSystem } from './support/test-system';

let sys: TestSystem;
let student: string;
let professor: string;

beforeAll(async () => {
  sys = await startTestSystem();
  student = sys.token('s1', 'STUDENT', { name: '김학생' });
  professor = sys.token('p1', 'PROFESSOR', { name: 'Prof Lee' });
  // The professor signs in once so the directory knows them (or: npm run users:import).
  expect((await sys.http('GET', '/api/consultation/active', { token: professor })).status).toBe(200);
});
afterAll(() => sys.close());

const request = async (title = 'Midterm question') => {
  const res = await sys.http('POST', '/api/consultation/request', {
    token: student,
    body: { professorId: 'p1', title, content: 'Can we talk about problem 3?', desiredTime: '2026-12-01T10:00:00Z' },
  });
  expect(res.status).toBe(201);
  return res.body.requestIdx as number;
};

describe('consultation lifecycle over REST', () => {
  it('request → approve → start → read → end, with the contract shape', async () => {
    const created = await sys.http('POST', '/api/consultation/request', {
      token: student,
      body: { professorId: 'p1', title: 'Office hours', content: 'Question', desiredTime: '2026-12-01T10:00:00+09:00' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBeTruthy();
    const c = created.body;
    expect(Object.keys(c).sort()).toEqual(
      [
        'requestIdx',
        'studentId',
        'studentName',
        'professorId',
        'professorName',
        'title',
        'content',
        'desiredTime',
        'scheduledTime',
        'status',
        'rejectReason',
        'cancelReason',
        'createdAt',
        'approvedAt',
        'startedAt',
        'endedAt',
        'endReason',
        'lastActivityAt',
        'lastReadTimeStudent',
        'lastReadTimeProfessor',
        'archived',
      ].sort(),
    );
    expect(c).toMatchObject({
      status: 'PENDING',
      studentId: 's1',
      studentName: '김학생',
      professorName: 'Prof Lee',
      desiredTime: '2026-12-01T01:00:00.000Z',
      archived: false,
    });

    const approved = await sys.http('POST', '/api/consultation/approve', { token: professor, body: { requestIdx: c.requestIdx } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'SCHEDULED', scheduledTime: '2026-12-01T01:00:00.000Z' });
    expect(approved.body.approvedAt).toBeTruthy();

    const started = await sys.http('POST', '/api/consultation/start', { token: student, body: { requestIdx: c.requestIdx } });
    expect(started.body).toMatchObject({ status: 'IN_PROGRESS' });
    const again = await sys.http('POST', '/api/consultation/start', { token: professor, body: { requestIdx: c.requestIdx } });
    expect(again.status).toBe(200);
    expect(again.body.startedAt).toBe(started.body.startedAt);

    const read = await sys.http('POST', '/api/consultation/read', { token: professor, body: { requestIdx: c.requestIdx } });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ requestIdx: c.requestIdx, lastReadTime: expect.any(String) });
    const viewed = await sys.http('GET', `/api/consultation/${c.requestIdx}`, { token: student });
    expect(viewed.body.lastReadTimeProfessor).toBe(read.body.lastReadTime);

    const ended = await sys.http('POST', '/api/consultation/end', { token: professor, body: { requestIdx: c.requestIdx } });
    expect(ended.body).toMatchObject({ status: 'COMPLETED', endReason: 'USER' });
    const endAgain = await sys.http('POST', '/api/consultation/end', { token: student, body: { requestIdx: c.requestIdx } });
    expect(endAgain.status).toBe(409);
    expect(endAgain.body.error.code).toBe('INVALID_STATE_TRANSITION');
  });

  it('reject with a reason and cancel from PENDING or SCHEDULED only', async () => {
    const a = await request();
    const rejected = await sys.http('POST', '/api/consultation/reject', { token: professor, body: { requestIdx: a, reason: 'Busy week' } });
    expect(rejected.body).toMatchObject({ status: 'REJECTED', rejectReason: 'Busy week' });
    expect((await sys.http('POST', '/api/consultation/cancel', { token: student, body: { requestIdx: a } })).status).toBe(409);

    const b = await request();
    const canceled = await sys.http('POST', '/api/consultation/cancel', { token: student, body: { requestIdx: b, reason: 'Solved it' } });
    expect(canceled.body).toMatchObject({ status: 'CANCELED', cancelReason: 'Solved it' });

    const c = await request();
    await sys.http('POST', '/api/consultation/approve', { token: professor, body: { requestIdx: c, scheduledTime: '2026-12-02T09:00:00Z' } });
    const c2 = await sys.http('POST', '/api/consultation/cancel', { token: student, body: { requestIdx: c } });
    expect(c2.body).toMatchObject({ status: 'CANCELED', scheduledTime: '2026-12-02T09:00:00.000Z' });

    const d = await request();
    expect((await sys.http('POST', '/api/consultation/start', { token: student, body: { requestIdx: d } })).status).toBe(409);
  });

  it('a request to an unknown professor, or to a student id, is 404', async () => {
    const res = await sys.http('POST', '/api/consultation/request', { token: student, body: { professorId: 'nobody', title: 't', content: 'c' } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    const toStudent = await sys.http('POST', '/api/consultation/request', { token: student, body: { professorId: 's1', title: 't', content: 'c' } });
    expect(toStudent.status).toBe(404);
  });

  it('a user preloaded with users:import can receive requests before signing in', async () => {
    await sys.core.users.upsert({ id: 'p-imported', name: 'Dr. Imported', role: 'PROFESSOR' });
    const res = await sys.http('POST', '/api/consultation/request', { token: student, body: { professorId: 'p-imported', title: 't', content: 'c' } });
    expect(res.status).toBe(201);
    expect(res.body.professorName).toBe('Dr. Imported');
  });
});

describe('lists', () => {
  let other: string;
  beforeAll(async () => {
    other = sys.token('s-list', 'STUDENT');
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await sys.http('POST', '/api/consultation/request', { token: other, body: { professorId: 'p1', title: `L${i}`, content: 'c' } });
      ids.push(r.body.requestIdx);
    }
    await sys.http('POST', '/api/consultation/approve', { token: professor, body: { requestIdx: ids[0] } });
    await sys.http('POST', '/api/consultation/approve', { token: professor, body: { requestIdx: ids[1] } });
    await sys.http('POST', '/api/consultation/start', { token: other, body: { requestIdx: ids[1] } });
    await sys.http('POST', '/api/consultation/reject', { token: professor, body: { requestIdx: ids[2], reason: 'no' } });
    await sys.http('POST', '/api/consultation/cancel', { token: other, body: { requestIdx: ids[3] } });
  });

  it('paginates my-requests newest first with totals', async () => {
    const p0 = await sys.http('GET', '/api/consultation/my-requests?page=0&size=3', { token: other });
    expect(p0.body).toMatchObject({ page: 0, size: 3, total: 7 });
    expect(p0.body.items.map((c: { title: string }) => c.title)).toEqual(['L6', 'L5', 'L4']);
    const p2 = await sys.http('GET', '/api/consultation/my-requests?page=2&size=3', { token: other });
    expect(p2.body.items.map((c: { title: string }) => c.title)).toEqual(['L0']);
    expect(p2.body.total).toBe(7);
    const beyond = await sys.http('GET', '/api/consultation/my-requests?page=5&size=3', { token: other });
    expect(beyond.body).toEqual({ items: [], page: 5, size: 3, total: 7 });
    const viaPost = await sys.http('POST', '/api/consultation/my-requests', { token: other, body: { page: 1, size: 3 } });
    expect(viaPost.body.items.map((c: { title: string }) => c.title)).toEqual(['L3', 'L2', 'L1']);
  });

  it('filters by status', async () => {
    const pending = await sys.http('GET', '/api/consultation/my-requests?status=PENDING', { token: other });
    expect(pending.body.total).toBe(3);
    const received = await sys.http('POST', '/api/consultation/received', { token: professor, body: { status: 'REJECTED' } });
    expect(received.body.items.every((c: { status: string }) => c.status === 'REJECTED')).toBe(true);
    expect(received.body.total).toBeGreaterThanOrEqual(1);
  });

  it('active holds SCHEDULED and IN_PROGRESS; history holds the ended ones', async () => {
    const active = await sys.http('GET', '/api/consultation/active', { token: other });
    expect(active.body.items.map((c: { status: string }) => c.status).sort()).toEqual(['IN_PROGRESS', 'SCHEDULED']);
    const history = await sys.http('GET', '/api/consultation/history', { token: other });
    expect(history.body.items.map((c: { status: string }) => c.status).sort()).toEqual(['CANCELED', 'REJECTED']);
    const outsider = await sys.http('GET', '/api/consultation/active', { token: sys.token('s-nobody', 'STUDENT') });
    expect(outsider.body).toEqual({ items: [], page: 0, size: 20, total: 0 });
  });

  it('refuses sizes over 100 and negative pages', async () => {
    expect((await sys.http('GET', '/api/consultation/active?size=101', { token: other })).status).toBe(400);
    expect((await sys.http('GET', '/api/consultation/active?page=-1', { token: other })).status).toBe(400);
    expect((await sys.http('GET', '/api/consultation/active?status=BOGUS', { token: other })).status).toBe(400);
  });
});
