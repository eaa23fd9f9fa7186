import type { ConsultationStatus } from '../lib/consultation/consultation-status';
import { badTokens } from './support/tokens';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * Every route × every kind of caller. Each case gets a fresh consultation of s1 → p1 in the state the
 * route needs, so a case can only pass by the rule it names.
 */
let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
  for (const [id, role] of [
    ['s1', 'STUDENT'],
    ['s2', 'STUDENT'],
    ['p1', 'PROFESSOR'],
    ['p2', 'PROFESSOR'],
    ['a1', 'ADMIN'],
  ] as const) {
    await sys.core.users.upsert({ id, name: id, role });
  }
});
afterAll(() => sys.close());

type Actor = 'owner' | 'otherParticipant' | 'outsiderSameRole' | 'wrongRole' | 'admin' | 'anonymous' | 'expired' | 'algNone' | 'wrongKey';

const tokenFor = (userId: string | undefined, kind: Actor): string | undefined => {
  switch (kind) {
    case 'anonymous':
      return undefined;
    case 'expired':
      return badTokens.expired('s1');
    case 'algNone':
      return badTokens.algNone('a1');
    case 'wrongKey':
      return badTokens.wrongKey('a1');
    default: {
      const role = userId!.startsWith('s') ? 'STUDENT' : userId!.startsWith('p') ? 'PROFESSOR' : 'ADMIN';
      return sys.token(userId!, role);
    }
  }
};

interface RouteCase {
  name: string;
  state: ConsultationStatus | null;
  call: (id: number) => { method: string; path: string; body?: unknown };
  /** Who plays each actor on this route. */
  cast: Partial<Record<Actor, string>>;
  expect: Partial<Record<Actor, number | string>>;
}

const OK = 'OK';
const body = (id: number, extra: object = {}) => ({ requestIdx: id, ...extra });
const participantRoute = (name: string, state: ConsultationStatus, path: string): RouteCase => ({
  name,
  state,
  call: (id) => ({ method: 'POST', path, body: body(id) }),
  cast: { owner: 's1', otherParticipant: 'p1', outsiderSameRole: 's2', wrongRole: 'p2', admin: 'a1' },
  expect: { owner: OK, otherParticipant: OK, outsiderSameRole: 'NOT_PARTICIPANT', wrongRole: 'NOT_PARTICIPANT', admin: 'NOT_PARTICIPANT' },
});
const professorRoute = (name: string, path: string, extra: object): RouteCase => ({
  name,
  state: 'PENDING',
  call: (id) => ({ method: 'POST', path, body: body(id, extra) }),
  cast: { owner: 'p1', otherParticipant: 's1', outsiderSameRole: 'p2', wrongRole: 's2', admin: 'a1' },
  expect: { owner: OK, otherParticipant: 'FORBIDDEN', outsiderSameRole: 'NOT_PARTICIPANT', wrongRole: 'FORBIDDEN', admin: OK },
});
const listRoute = (name: string, path: string, allowed: 'any' | 'STUDENT' | 'PROFESSOR'): RouteCase => ({
  name,
  state: null,
  call: () => ({ method: 'GET', path }),
  cast: { owner: allowed === 'PROFESSOR' ? 'p1' : 's1', otherParticipant: allowed === 'PROFESSOR' ? 's1' : 'p1', admin: 'a1' },
  expect: {
    owner: OK,
    otherParticipant: allowed === 'any' ? OK : 'FORBIDDEN',
    admin: allowed === 'any' ? OK : 'FORBIDDEN',
  },
});

const ROUTES: RouteCase[] = [
  {
    name: 'POST /api/consultation/request',
    state: null,
    call: () => ({ method: 'POST', path: '/api/consultation/request', body: { professorId: 'p1', title: 't', content: 'c' } }),
    cast: { owner: 's1', outsiderSameRole: 's2', wrongRole: 'p2', admin: 'a1' },
    expect: { owner: OK, outsiderSameRole: OK, wrongRole: 'FORBIDDEN', admin: 'FORBIDDEN' },
  },
  professorRoute('POST /api/consultation/approve', '/api/consultation/approve', {}),
  professorRoute('POST /api/consultation/reject', '/api/consultation/reject', { reason: 'no' }),
  {
    name: 'POST /api/consultation/cancel',
    state: 'PENDING',
    call: (id) => ({ method: 'POST', path: '/api/consultation/cancel', body: body(id) }),
    cast: { owner: 's1', otherParticipant: 'p1', outsiderSameRole: 's2', wrongRole: 'p2', admin: 'a1' },
    expect: { owner: OK, otherParticipant: 'FORBIDDEN', outsiderSameRole: 'NOT_PARTICIPANT', wrongRole: 'FORBIDDEN', admin: 'FORBIDDEN' },
  },
  participantRoute('POST /api/consultation/start', 'SCHEDULED', '/api/consultation/start'),
  participantRoute('POST /api/consultation/end', 'IN_PROGRESS', '/api/consultation/end'),
  participantRoute('POST /api/consultation/read', 'IN_PROGRESS', '/api/consultation/read'),
  {
    name: 'GET /api/consultation/{requestIdx}',
    state: 'PENDING',
    call: (id) => ({ method: 'GET', path: `/api/consultation/${id}` }),
    cast: { owner: 's1', otherParticipant: 'p1', outsiderSameRole: 's2', wrongRole: 'p2', admin: 'a1' },
    expect: { owner: OK, otherParticipant: OK, outsiderSameRole: 'NOT_PARTICIPANT', wrongRole: 'NOT_PARTICIPANT', admin: OK },
  },
  listRoute('GET /api/consultation/active', '/api/consultation/active', 'any'),
  listRoute('GET /api/consultation/history', '/api/consultation/history', 'any'),
  listRoute('GET /api/consultation/my-requests', '/api/consultation/my-requests', 'STUDENT'),
  listRoute('GET /api/consultation/received', '/api/consultation/received', 'PROFESSOR'),
];

const ALWAYS_401: Actor[] = ['anonymous', 'expired', 'algNone', 'wrongKey'];

async function prepare(state: ConsultationStatus | null): Promise<number> {
  if (!state) return 0;
  const [row] = await sys.db
    .knex('CONSULTATION_REQUEST_TBL')
    .insert({ student_id: 's1', professor_id: 'p1', title: 'm', content: 'm', status: state, started_at: state === 'IN_PROGRESS' ? new Date() : null })
    .returning('request_idx');
  return (row as { request_idx: number }).request_idx;
}

const cases: [string, Actor, RouteCase][] = [];
for (const route of ROUTES) {
  for (const actor of Object.keys(route.expect) as Actor[]) cases.push([route.name, actor, route]);
  for (const actor of ALWAYS_401) cases.push([route.name, actor, route]);
}

describe('authorization matrix', () => {
  it.each(cases)('%s as %s', async (_name, actor, route) => {
    const id = await prepare(route.state);
    const before = id ? await sys.db.knex('CONSULTATION_REQUEST_TBL').where({ request_idx: id }).first() : undefined;
    const { method, path, body: reqBody } = route.call(id);
    const res = await sys.http(method, path, { token: tokenFor(route.cast[actor], actor), body: reqBody });
    const expected = ALWAYS_401.includes(actor) ? 'UNAUTHENTICATED' : route.expect[actor];
    if (expected === OK) {
      expect([200, 201]).toContain(res.status);
    } else {
      expect(res.body.error.code).toBe(expected);
      expect(res.status).toBe(expected === 'UNAUTHENTICATED' ? 401 : 403);
      if (id) {
        const after = await sys.db.knex('CONSULTATION_REQUEST_TBL').where({ request_idx: id }).first();
        expect(after).toEqual(before);
      }
    }
  });

  it('an unknown consultation is 404 for a caller whose role may act', async () => {
    const res = await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: 987654 } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
