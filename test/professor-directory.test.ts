import Ajv2020 from 'ajv/dist/2020';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * GET/POST /api/professors (CONTRACT §4) over real HTTP: known PROFESSORs whose name or id contains q,
 * case-insensitive, by name then id; LIKE wildcards in q match literally; erased people stay out; input is
 * bounded; the route spends the caller's REST budget like every other.
 */
let sys: TestSystem;
// Low REST budget (20 calls per 2 s per user): each test below uses its own caller.
beforeAll(async () => {
  sys = await startTestSystem({ REST_RATE_PER_SEC: '10', REST_BURST: '20' });
  await sys.core.users.upsertMany([
    { id: 'p-choi', name: '최민호', role: 'PROFESSOR' },
    { id: 'p-choi2', name: '최민수', role: 'PROFESSOR' },
    { id: 'p-kim', name: '김철수', role: 'PROFESSOR' },
    { id: 'p-lee', name: 'Lee Ann', role: 'PROFESSOR' },
    { id: 'p-anna', name: 'ANNA Berg', role: 'PROFESSOR' },
    { id: 'p-pct', name: '100% Sure', role: 'PROFESSOR' },
    { id: 'p-under', name: 'snake_case', role: 'PROFESSOR' },
    { id: 'p-slash', name: 'Back\\slash', role: 'PROFESSOR' },
    // Hangul typed on some systems arrives decomposed (NFD): 한 = U+1112 U+1161 U+11AB.
    { id: 'p-han', name: '\u1112\u1161\u11ab교수', role: 'PROFESSOR' },
    { id: 's-choi', name: '최민지', role: 'STUDENT' },
    { id: 'a-ann', name: 'Ann Admin', role: 'ADMIN' },
  ]);
});
afterAll(() => sys.close());

type Page = { items: { id: string; name: string }[]; page: number; size: number; total: number };
const search = async (caller: string, query: string) => {
  const res = await sys.http<Page>('GET', `/api/professors${query}`, { token: sys.token(caller, 'STUDENT') });
  expect(res.status).toBe(200);
  return res.body;
};
const ids = (p: Page) => p.items.map((i) => i.id);

it('finds Korean names by a part of them, only professors, in name order', async () => {
  const page = await search('s1', `?q=${encodeURIComponent('최민')}`);
  expect(page).toEqual({
    items: [
      { id: 'p-choi2', name: '최민수' },
      { id: 'p-choi', name: '최민호' },
    ],
    page: 0,
    size: 20,
    total: 2,
  });
  expect(ids(await search('s1', `?q=${encodeURIComponent('민호')}`))).toEqual(['p-choi']);
  // A precomposed query finds a decomposed name.
  expect(ids(await search('s1', `?q=${encodeURIComponent('한교')}`))).toEqual(['p-han']);
});

it('matches name or id regardless of case', async () => {
  expect(ids(await search('s2', '?q=ann'))).toEqual(['p-anna', 'p-lee']);
  expect(ids(await search('s2', '?q=P-CHOI'))).toEqual(['p-choi2', 'p-choi']);
  expect(ids(await search('s2', '?q=%20%20kim%20'))).toEqual(['p-kim']);
});

it('treats %, _ and \\ in q as the characters themselves', async () => {
  expect(ids(await search('s3', `?q=${encodeURIComponent('%')}`))).toEqual(['p-pct']);
  expect(ids(await search('s3', '?q=_'))).toEqual(['p-under']);
  expect(ids(await search('s3', `?q=${encodeURIComponent('\\')}`))).toEqual(['p-slash']);
  expect((await search('s3', `?q=${encodeURIComponent('e_c')}`)).total).toBe(1);
  expect((await search('s3', `?q=${encodeURIComponent('0% S')}`)).total).toBe(1);
  expect((await search('s3', `?q=${encodeURIComponent('1%S')}`)).total).toBe(0);
});

it('pages by name then id with the total; POST takes the same fields in the body', async () => {
  const all = await search('s4', '?size=100');
  expect(all.total).toBe(9);
  const names = all.items.map((i) => i.name);
  expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const second = await search('s4', '?size=4&page=1');
  expect(second).toEqual({ items: all.items.slice(4, 8), page: 1, size: 4, total: 9 });
  // Past the end: no items, the total still told.
  expect(await search('s4', '?size=4&page=5')).toEqual({ items: [], page: 5, size: 4, total: 9 });
  const posted = await sys.http('POST', '/api/professors', { token: sys.token('s4', 'STUDENT'), body: { q: '최민', page: 0, size: 1 } });
  expect(posted.status).toBe(200);
  expect(posted.body).toEqual({ items: [{ id: 'p-choi2', name: '최민수' }], page: 0, size: 1, total: 2 });
  // Any authenticated role may search.
  const asProfessor = await sys.http('GET', '/api/professors?q=kim', { token: sys.token('p-kim', 'PROFESSOR', { name: '김철수' }) });
  expect(ids(asProfessor.body)).toEqual(['p-kim']);
});

it('refuses unbounded or malformed input with VALIDATION_FAILED, and anonymous callers with UNAUTHENTICATED', async () => {
  const token = sys.token('s5', 'STUDENT');
  for (const query of ['?size=101', '?size=0', '?page=-1', '?page=x', `?q=${'a'.repeat(101)}`, '?q=%00']) {
    const res = await sys.http('GET', `/api/professors${query}`, { token });
    expect([query, res.status, res.body.error?.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
  }
  const posted = await sys.http('POST', '/api/professors', { token, body: { q: { $ne: '' } } });
  expect(posted.status).toBe(400);
  const anonymous = await sys.http('GET', '/api/professors?q=a');
  expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
  expect((await sys.http('GET', '/api/professors', { token: 'not-a-jwt' })).status).toBe(401);
});

it('leaves erased people out, until they sign in again', async () => {
  await sys.core.users.upsertMany([{ id: 'p-gone', name: 'Gone Professor', role: 'PROFESSOR' }]);
  expect(ids(await search('s6', '?q=gone'))).toEqual(['p-gone']);
  // What an erasure leaves (docs/data-office.md): the row renamed with erased_at set, and a pseudonym row.
  await sys.db.knex('users').where('id', 'p-gone').update({ name: 'Erased user abc123', erased_at: sys.db.knex.fn.now(), updated_at: sys.db.knex.fn.now() });
  await sys.db.knex('users').insert({ id: 'erased-0123456789abcdef', name: 'Erased user 012345', role: 'PROFESSOR', erased_at: sys.db.knex.fn.now() });
  expect((await search('s6', '?q=erased')).total).toBe(0);
  // Signing in again writes the name from the new token's claims: the person is findable again.
  const back = await sys.http('GET', '/api/consultation/active', { token: sys.token('p-gone', 'PROFESSOR', { name: 'Back Again' }) });
  expect(back.status).toBe(200);
  expect(ids(await search('s6', '?q=back%20again'))).toEqual(['p-gone']);
});

it('spends the REST budget: a burst from one caller gets 429 RATE_LIMITED, another caller is unaffected', async () => {
  const token = sys.token('s7', 'STUDENT');
  const results = await Promise.all(Array.from({ length: 40 }, () => sys.http('GET', '/api/professors?q=a', { token })));
  const limited = results.filter((r) => r.status === 429);
  expect(limited.length).toBeGreaterThanOrEqual(10);
  expect(limited[0]!.body.error.code).toBe('RATE_LIMITED');
  expect((await sys.http('GET', '/api/professors?q=a', { token: sys.token('s8', 'STUDENT') })).status).toBe(200);
});

it('is in the OpenAPI document, GET with its query and POST with its body; a real answer fits the schema', async () => {
  const doc = (await sys.http('GET', '/api/openapi.json')).body;
  const get = doc.paths['/api/professors'].get;
  expect(get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['page', 'q', 'size']);
  const validate = new Ajv2020({ strict: false }).compile(get.responses['200'].content['application/json'].schema);
  expect(validate(await search('s9', '?q=a'))).toBe(true);
  expect(validate({ items: [{ id: 'p1' }], page: 0, size: 20, total: 1 })).toBe(false);
  expect(doc.paths['/api/professors'].post.requestBody.content['application/json'].schema.properties.q.maxLength).toBe(100);
});
