import net from 'node:net';
import { startTestSystem, type TestSystem } from './support/test-system';

let sys: TestSystem;
let student: string;
let professor: string;
let pendingId: number;
let snapshot: unknown;

beforeAll(async () => {
  sys = await startTestSystem();
  student = sys.token('s1', 'STUDENT');
  professor = sys.token('p1', 'PROFESSOR');
  await sys.http('GET', '/api/consultation/active', { token: professor });
  const r = await sys.http('POST', '/api/consultation/request', { token: student, body: { professorId: 'p1', title: 't', content: 'c' } });
  pendingId = r.body.requestIdx;
  snapshot = await rows();
});
afterAll(() => sys.close());

const rows = () => sys.db.knex('CONSULTATION_REQUEST_TBL').orderBy('request_idx');

/** Sends raw bytes over TCP: for lying Content-Length and chunked bodies that fetch would not send. */
function rawHttp(payload: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(sys.gateway.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    sock.write(payload, () => sock.end());
  });
}

describe('input validation', () => {
  it.each([
    ['missing professorId', { title: 't', content: 'c' }, /professorId/],
    ['wrong type', { professorId: 42, title: 't', content: 'c' }, /professorId/],
    ['blank title', { professorId: 'p1', title: '   ', content: 'c' }, /title/],
    ['over-long title', { professorId: 'p1', title: 'x'.repeat(201), content: 'c' }, /title/],
    ['over-long content', { professorId: 'p1', title: 't', content: 'x'.repeat(4001) }, /content/],
    ['bad desiredTime', { professorId: 'p1', title: 't', content: 'c', desiredTime: 'tomorrow' }, /desiredTime/],
    ['a NUL in the title', { professorId: 'p1', title: 'a\u0000b', content: 'c' }, /title/],
  ])('request with %s → 400 VALIDATION_FAILED', async (_n, body, field) => {
    const res = await sys.http('POST', '/api/consultation/request', { token: student, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toMatch(field);
  });

  it.each([
    ['no requestIdx', {}],
    ['requestIdx as text', { requestIdx: 'abc' }],
    ['negative requestIdx', { requestIdx: -1 }],
    ['fractional requestIdx', { requestIdx: 1.5 }],
    ['huge requestIdx', { requestIdx: 1e20 }],
  ])('approve with %s → 400', async (_n, body) => {
    const res = await sys.http('POST', '/api/consultation/approve', { token: professor, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('reject needs a reason', async () => {
    const res = await sys.http('POST', '/api/consultation/reject', { token: professor, body: { requestIdx: pendingId } });
    expect(res.status).toBe(400);
  });

  it.each([
    ['malformed JSON', '{"requestIdx": '],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"hello"'],
    ['binary junk', '\u0000\u0001\u0002'],
  ])('%s → 400', async (_n, rawBody) => {
    const res = await sys.http('POST', '/api/consultation/approve', { token: professor, rawBody, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('a non-numeric path id is 400 and an unknown route is 404', async () => {
    expect((await sys.http('GET', '/api/consultation/abc', { token: student })).status).toBe(400);
    const res = await sys.http('GET', '/api/nothing/here', { token: student });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it.each([
    ['GET', '/api/consultation/abc'],
    ['GET', '/api/chat/messages/0'],
    ['GET', '/api/chat/archive/download/1.5'],
    ['POST', '/api/admin/consultations/-1/legal-hold'],
    ['POST', `/api/admin/users/${'u'.repeat(300)}/erase`],
    ['GET', '/api/admin/users/a%00b/export'],
  ])('%s %s: the path parameter is checked by its documented schema, after the token', async (method, path) => {
    const anonymous = await sys.http(method, path);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
    const admin = sys.token('a1', 'ADMIN');
    const res = await sys.http(method, path, { token: admin, body: method === 'POST' ? { hold: true } : undefined });
    expect([res.status, res.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('an oversized body is 413, declared or not', async () => {
    const big = JSON.stringify({ requestIdx: pendingId, reason: 'x'.repeat(70_000) });
    const res = await sys.http('POST', '/api/consultation/reject', { token: professor, rawBody: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');

    const head = (extra: string) =>
      `POST /api/consultation/reject HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${professor}\r\nContent-Type: application/json\r\n${extra}\r\n`;
    const chunk = 'x'.repeat(16_000);
    const chunked = head('Transfer-Encoding: chunked\r\n') + `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(6) + '0\r\n\r\n';
    expect(await rawHttp(chunked)).toMatch(/^HTTP\/1\.1 413/);

    const lying = head('Content-Length: 999999999\r\n') + 'x'.repeat(100);
    expect(await rawHttp(lying)).toMatch(/^HTTP\/1\.1 413/);
  });

  it('a request id given by the client is echoed back; an unusable one is replaced', async () => {
    for (const id of ['trace-abc-123', 'req/42 {a}', '5f2b8c3e-1d2a-4c7e-9b1f-0a1b2c3d4e5f']) {
      const res = await sys.http('GET', '/healthz', { headers: { 'x-request-id': id } });
      expect(res.headers.get('x-request-id')).toBe(id);
    }
    const long = await sys.http('GET', '/healthz', { headers: { 'x-request-id': 'x'.repeat(300) } });
    expect(long.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const none = await sys.http('POST', '/api/consultation/approve', { body: {} });
    expect(none.status).toBe(401);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('bad input changed no row, and the process still serves', async () => {
    expect(await rows()).toEqual(snapshot);
    expect((await sys.http('GET', '/readyz')).status).toBe(200);
  });
});

describe('CORS', () => {
  it('answers a preflight in development with the requesting origin', async () => {
    const res = await sys.http('OPTIONS', '/api/consultation/request', {
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  });
});
