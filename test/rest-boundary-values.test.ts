import fc from 'fast-check';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * Valid-looking input never gets a 500: every route walked with boundary values (ids past int4 and
 * past 2^53, seqs past int4, NUL characters, over-long strings), then random JSON bodies and queries
 * (fast-check). Every refusal is the contract's error format with a 4xx status.
 */
let sys: TestSystem;
let tokens: Record<'student' | 'professor' | 'admin', string>;
let id: number;

beforeAll(async () => {
  sys = await startTestSystem();
  tokens = { student: sys.token('s1', 'STUDENT'), professor: sys.token('p1', 'PROFESSOR'), admin: sys.token('a1', 'ADMIN') };
  await sys.http('GET', '/api/consultation/active', { token: tokens.professor });
  const r = await sys.http('POST', '/api/consultation/request', { token: tokens.student, body: { professorId: 'p1', title: 't', content: 'c' } });
  id = r.body.requestIdx;
});
afterAll(() => sys.close());

const IDS = ['0', '-1', '2147483647', '2147483648', '9007199254740991', '9007199254740992', '99999999999999999999', '1e3', 'abc', '%00', '1.5'];
const BODY_IDS: unknown[] = [0, -1, 2147483648, 9007199254740991, 9007199254740992, 1e300, '9007199254740993', 'x', null, [], {}, true, 1.5];

function expectContractRefusalOrSuccess(res: { status: number; body: any }, what: string): void {
  if (res.status >= 500) throw new Error(`${what} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  if (res.status >= 400) {
    expect(res.body.error).toEqual({ code: expect.any(String), message: expect.any(String) });
  }
}

describe('boundary values', () => {
  it.each(IDS)('path id %s on every id route', async (raw) => {
    for (const path of [`/api/consultation/${raw}`, `/api/chat/messages/${raw}`, `/api/chat/archive/download/${raw}`]) {
      expectContractRefusalOrSuccess(await sys.http('GET', path, { token: tokens.admin }), `GET ${path}`);
    }
  });

  it.each(BODY_IDS.map((v) => [JSON.stringify(v), v]))('requestIdx %s in every body', async (_label, value) => {
    for (const path of ['approve', 'reject', 'cancel', 'start', 'end', 'read']) {
      const res = await sys.http('POST', `/api/consultation/${path}`, { token: tokens.professor, body: { requestIdx: value, reason: 'r' } });
      expectContractRefusalOrSuccess(res, `POST ${path} ${JSON.stringify(value)}`);
    }
  });

  it.each(['999999999999999', '2147483648', '-1', '1e9', String(2 ** 53)])('afterSeq=%s and limits at the edges', async (afterSeq) => {
    for (const limit of ['1', '500', '501', '0', '99999999999']) {
      const res = await sys.http('GET', `/api/chat/messages/${id}?afterSeq=${afterSeq}&limit=${limit}`, { token: tokens.student });
      expectContractRefusalOrSuccess(res, `history afterSeq=${afterSeq} limit=${limit}`);
    }
    const ok = await sys.http('GET', `/api/chat/messages/${id}?afterSeq=2147483647`, { token: tokens.student });
    expect(ok.status).toBe(200);
  });

  it.each([
    ['NUL', 'tok\u0000en'],
    ['4,096 characters', 'x'.repeat(4096)],
    ['1,025 characters', 'x'.repeat(1025)],
    ['emoji', '😀'.repeat(300)],
    ['empty', ''],
  ])('push token with %s', async (_n, token) => {
    for (const method of ['POST', 'DELETE']) {
      const res = await sys.http(method, '/api/push/tokens', { token: tokens.student, body: { token, platform: 'android' } });
      expectContractRefusalOrSuccess(res, `${method} push token`);
    }
  });

  it('list and search queries at the edges', async () => {
    for (const q of ['page=1000000&size=100', 'page=1000001', 'size=0', 'size=101', 'page=-1', 'page=99999999999999999999', 'status=NOPE', 'status=%00']) {
      for (const path of ['/api/consultation/active', '/api/consultation/history', '/api/consultation/my-requests']) {
        expectContractRefusalOrSuccess(await sys.http('GET', `${path}?${q}`, { token: tokens.student }), `${path}?${q}`);
      }
      expectContractRefusalOrSuccess(await sys.http('GET', `/api/consultation/received?${q}`, { token: tokens.professor }), `received?${q}`);
    }
    for (const q of ['userId=%00', 'kind=%00', 'requestIdx=99999999999999999999', 'requestIdx=9007199254740993']) {
      expectContractRefusalOrSuccess(await sys.http('GET', `/api/admin/notifications?${q}`, { token: tokens.admin }), `notifications?${q}`);
    }
  });
});

describe('random input (fast-check)', () => {
  const routes: [string, string, keyof typeof tokens][] = [
    ['POST', '/api/consultation/request', 'student'],
    ['POST', '/api/consultation/approve', 'professor'],
    ['POST', '/api/consultation/reject', 'professor'],
    ['POST', '/api/consultation/cancel', 'student'],
    ['POST', '/api/consultation/start', 'student'],
    ['POST', '/api/consultation/end', 'professor'],
    ['POST', '/api/consultation/read', 'student'],
    ['POST', '/api/consultation/active', 'student'],
    ['POST', '/api/push/tokens', 'student'],
    ['DELETE', '/api/push/tokens', 'student'],
  ];
  const value = fc.oneof(
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.double(),
    fc.string({ maxLength: 50 }),
    fc.fullUnicodeString({ maxLength: 20 }),
    fc.constantFrom(null, true, '', '\u0000', 2 ** 53, -0, '9'.repeat(30)),
    fc.constant(id),
  );
  const body = fc.dictionary(
    fc.constantFrom('requestIdx', 'professorId', 'title', 'content', 'reason', 'desiredTime', 'scheduledTime', 'token', 'platform', 'page', 'size', 'status'),
    value,
  );

  it('no JSON body on any POST route gets a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, path, who], b) => {
        const res = await sys.http(method, path, { token: tokens[who], body: b });
        expectContractRefusalOrSuccess(res, `${method} ${path} ${JSON.stringify(b)}`);
      }),
      { numRuns: 150 },
    );
  });

  it('no query string on a GET route gets a 500', async () => {
    const q = fc.dictionary(
      fc.constantFrom('page', 'size', 'status', 'afterSeq', 'limit'),
      fc.oneof(fc.string({ maxLength: 20 }), fc.integer().map(String), fc.constant('99999999999999999999')),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/consultation/active', '/api/consultation/my-requests', `/api/chat/messages/${id}`), q, async (path, query) => {
        const res = await sys.http('GET', `${path}?${new URLSearchParams(query as Record<string, string>).toString()}`, { token: tokens.student });
        expectContractRefusalOrSuccess(res, `GET ${path} ${JSON.stringify(query)}`);
      }),
      { numRuns: 100 },
    );
  });
});
