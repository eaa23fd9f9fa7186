import Ajv2020 from 'ajv/dist/2020';
import { startTestSystem, type TestSystem } from './support/test-system';
import { TestStompClient } from './support/stomp-test-client';

/**
 * GET /api/openapi.json (CONTRACT §4): generated from the routes' own schemas. Its paths are exactly the
 * router's /api routes, and real responses of a whole flow validate against the documented schemas.
 */
let sys: TestSystem;
let doc: any;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) });

beforeAll(async () => {
  sys = await startTestSystem();
  const res = await sys.http('GET', '/api/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
  ajv.addSchema(doc.components.schemas.Error, '#/components/schemas/Error');
});
afterAll(() => sys.close());

it('is OpenAPI 3.1 and lists exactly the router’s /api routes, each with responses and error codes', () => {
  expect(doc.openapi).toBe('3.1.0');
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
  const routed = sys.gateway
    .routes()
    .filter((r) => r.pattern.startsWith('/api/'))
    .map((r) => `${r.method} ${r.pattern.replace(/:([A-Za-z]+)/g, '{$1}')}`);
  expect(documented.sort()).toEqual(routed.sort());
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const op of Object.values(ops)) {
      expect(op.summary).toBeTruthy();
      expect(Object.keys(op.responses).length).toBeGreaterThan(1);
      if (path !== '/api/openapi.json') expect(op.responses['401']?.description).toMatch(/UNAUTHENTICATED/);
    }
  }
});

/** Validates a real response against the documented schema of its route and status. */
function conforms(method: string, path: string, res: { status: number; body: unknown; headers: Headers }): void {
  const op = doc.paths[path]?.[method.toLowerCase()];
  expect(op).toBeDefined();
  const documented = op.responses[String(res.status)];
  if (!documented) throw new Error(`${method} ${path}: status ${res.status} is not documented`);
  const content = documented.content;
  if (!content) return;
  const [type, media] = Object.entries(content)[0] as [string, { schema: object }];
  expect(res.headers.get('content-type') ?? '').toContain(type.split(';')[0]);
  if (!type.startsWith('application/json')) return;
  const validate = ajv.compile(media.schema);
  if (!validate(res.body)) throw new Error(`${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(res.body).slice(0, 300)}`);
}

it('real responses of a whole flow validate against the documented schemas', async () => {
  const student = sys.token('s1', 'STUDENT');
  const prof = sys.token('p1', 'PROFESSOR');
  const admin = sys.token('a1', 'ADMIN');
  const call = async (method: string, docPath: string, path: string, token: string | undefined, body?: unknown) => {
    const res = await sys.http(method, path, { token, body });
    conforms(method, docPath, res);
    return res;
  };
  await call('GET', '/api/consultation/received', '/api/consultation/received', prof);
  const created = await call('POST', '/api/consultation/request', '/api/consultation/request', student, {
    professorId: 'p1',
    title: 'OpenAPI',
    content: 'c',
    desiredTime: new Date().toISOString(),
  });
  const id = created.body.requestIdx;
  await call('POST', '/api/consultation/request', '/api/consultation/request', student, { professorId: 'nobody', title: 't', content: 'c' });
  await call('POST', '/api/consultation/approve', '/api/consultation/approve', prof, { requestIdx: id });
  await call('POST', '/api/consultation/approve', '/api/consultation/approve', prof, { requestIdx: id });
  await call('POST', '/api/consultation/start', '/api/consultation/start', student, { requestIdx: id });
  const c = await TestStompClient.connect(sys.gateway.port, student);
  await c.send(id, 'documented', 'oa-1');
  await c.close();
  await call('GET', '/api/chat/messages/{requestIdx}', `/api/chat/messages/${id}?afterSeq=0&limit=10`, prof);
  await call('GET', '/api/chat/messages/{requestIdx}', `/api/chat/messages/${id}`, sys.token('x9', 'STUDENT'));
  await call('POST', '/api/consultation/read', '/api/consultation/read', prof, { requestIdx: id });
  for (const list of ['active', 'history', 'my-requests']) {
    await call('GET', `/api/consultation/${list}`, `/api/consultation/${list}?page=0&size=5`, student);
    await call('POST', `/api/consultation/${list}`, `/api/consultation/${list}`, student, { page: 0, size: 5 });
  }
  await call('GET', '/api/consultation/my-requests', '/api/consultation/my-requests', prof);
  await call('GET', '/api/consultation/{requestIdx}', `/api/consultation/${id}`, admin);
  await call('GET', '/api/consultation/{requestIdx}', `/api/consultation/abc`, admin);
  await call('GET', '/api/consultation/{requestIdx}', `/api/consultation/${id}`, undefined);
  await call('POST', '/api/push/tokens', '/api/push/tokens', student, { token: 'device-token-1', platform: 'web' });
  await call('DELETE', '/api/push/tokens', '/api/push/tokens', student, { token: 'device-token-1' });
  await call('GET', '/api/admin/notifications', '/api/admin/notifications', admin);
  await call('GET', '/api/admin/notifications', '/api/admin/notifications', student);
  await call('POST', '/api/consultation/end', '/api/consultation/end', student, { requestIdx: id });
  await call('POST', '/api/consultation/cancel', '/api/consultation/cancel', student, { requestIdx: id });
  await call('GET', '/api/chat/archive/download/{requestIdx}', `/api/chat/archive/download/${id}`, student);
  await call('POST', '/api/consultation/reject', '/api/consultation/reject', prof, { requestIdx: id, reason: 'late' });
});
