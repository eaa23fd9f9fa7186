import { eventually } from './support/eventually';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

let sys: TestSystem;
const clients: TestStompClient[] = [];
const student = () => sys.token('s1', 'STUDENT', { name: 'Kim' });
const professor = () => sys.token('p1', 'PROFESSOR', { name: 'Lee' });
const admin = () => sys.token('a1', 'ADMIN', { name: 'Auditor' });
const adminHeaders = { 'x-request-id': 'audit-check-1' };

beforeAll(async () => {
  sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' }, {}, { workers: true });
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
}, 30_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sys?.close();
});

async function roomWith(messages: number, state: 'open' | 'ended'): Promise<number> {
  const r = await sys.http('POST', '/api/consultation/request', { token: student(), body: { professorId: 'p1', title: `export ${messages}`, content: 'c' } });
  const id = r.body.requestIdx as number;
  await sys.http('POST', '/api/consultation/approve', { token: professor(), body: { requestIdx: id } });
  const s = await TestStompClient.connect(sys.gateway.port, student());
  clients.push(s);
  for (let i = 0; i < messages; i++) await s.send(id, `line ${i}\nwith "quotes" \\ and 😀`, `x-${id}-${i}`);
  if (state === 'ended') await sys.http('POST', '/api/consultation/end', { token: professor(), body: { requestIdx: id } });
  return id;
}

async function historyOf(id: number, token: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let after = 0; ;) {
    const page = await sys.http('GET', `/api/chat/messages/${id}?afterSeq=${after}&limit=500`, { token });
    out.push(...page.body.items);
    if (page.body.items.length < 500) return out;
    after = page.body.nextAfterSeq;
  }
}

const records = (ndjson: string) =>
  ndjson
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });

describe('export of a person', () => {
  it('streams every consultation with its messages exactly as history shows them, the device tokens and the notification log', async () => {
    const ended = await roomWith(1200, 'ended');
    const open = await roomWith(5, 'open');
    await sys.http('POST', '/api/push/tokens', { token: student(), body: { token: 'export-device', platform: 'web' } });
    await sys.db.knex('notification_log').insert({ kind: 'CHAT', user_id: 's1', request_idx: ended, status: 'SENT' });

    const res = await fetch(`${sys.baseUrl}/api/me/export`, { headers: { authorization: `Bearer ${student()}`, connection: 'close' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = records(await res.text());
    expect(lines[0]).toMatchObject({ type: 'export', format: 'office-hours-export/1', userId: 's1' });
    expect(lines[1]).toMatchObject({ type: 'user', id: 's1', name: 'Kim', role: 'STUDENT' });
    const consultations = lines.filter((l) => l.type === 'consultation');
    expect(consultations.map((c) => c['requestIdx'])).toEqual([ended, open]);
    for (const id of [ended, open]) {
      const at = lines.findIndex((l) => l.type === 'consultation' && l['requestIdx'] === id);
      const next = lines.findIndex((l, i) => i > at && l.type !== 'message');
      const exported = lines.slice(at + 1, next).map(({ type: _type, ...m }) => m);
      expect(exported).toEqual(await historyOf(id, student()));
    }
    expect(lines.filter((l) => l.type === 'deviceToken')).toEqual([expect.objectContaining({ token: 'export-device', platform: 'web' })]);
    const notifications = await sys.db.knex('notification_log').where({ user_id: 's1' }).orderBy('id');
    expect(lines.filter((l) => l.type === 'notification').map((n) => n['id'])).toEqual(notifications.map((n) => Number(n.id)));
    expect(lines.filter((l) => l.type === 'notification')).toContainEqual(expect.objectContaining({ requestIdx: ended, status: 'SENT', kind: 'CHAT' }));
    expect(lines[lines.length - 1]).toEqual({ type: 'end', consultations: 2, messages: 1205, deviceTokens: 1, notifications: notifications.length });

    // An ADMIN may export anyone; nobody else may use the admin route.
    const byAdmin = await fetch(`${sys.baseUrl}/api/admin/users/p1/export`, { headers: { authorization: `Bearer ${admin()}`, connection: 'close' } });
    expect(byAdmin.status).toBe(200);
    expect(records(await byAdmin.text()).filter((l) => l.type === 'consultation')).toHaveLength(2);
    expect((await sys.http('GET', '/api/admin/users/s1/export', { token: professor() })).status).toBe(403);
    expect((await sys.http('GET', '/api/admin/users/nobody/export', { token: admin() })).status).toBe(404);
    expect((await sys.http('GET', '/api/me/export')).status).toBe(401);
  });
});

describe('audit trail', () => {
  it('records ADMIN reads, downloads, decisions, exports and holds with who, request id and address; only ADMINs read it', async () => {
    const rejected = (await sys.http('POST', '/api/consultation/request', { token: student(), body: { professorId: 'p1', title: 'no', content: 'c' } })).body
      .requestIdx as number;
    await sys.http('POST', '/api/consultation/reject', { token: professor(), body: { requestIdx: rejected, reason: 'busy' } });
    const id = await roomWith(2, 'ended');
    await eventually(
      async () => (await sys.db.knex('CONSULTATION_REQUEST_TBL').where({ request_idx: id }).first()).archived_at ?? undefined,
      15_000,
      'archived',
    );

    // A participant reading their own consultation is not audited; an ADMIN's read is.
    await sys.http('GET', `/api/consultation/${id}`, { token: student() });
    await sys.http('GET', `/api/consultation/${id}`, { token: admin(), headers: adminHeaders });
    await sys.http('GET', `/api/chat/messages/${id}`, { token: admin(), headers: adminHeaders });
    await sys.http('GET', `/api/chat/messages/${id}`, { token: professor() });
    expect((await sys.http('GET', `/api/chat/archive/download/${id}`, { token: student() })).status).toBe(200);
    await sys.http('GET', `/api/chat/archive/download/${id}`, { token: admin(), headers: adminHeaders });
    await sys.http('POST', `/api/admin/consultations/${id}/legal-hold`, { token: admin(), body: { hold: true }, headers: adminHeaders });

    const trail = await sys.http('GET', `/api/admin/audit?target=consultation:${id}&size=100`, { token: admin() });
    expect(trail.status).toBe(200);
    expect(trail.body.items.map((e: { action: string; actorId: string }) => `${e.action}:${e.actorId}`).reverse()).toEqual([
      'APPROVE:p1',
      'END:p1',
      'CONSULTATION_READ:a1',
      'HISTORY_READ:a1',
      'ARCHIVE_DOWNLOAD:s1',
      'ARCHIVE_DOWNLOAD:a1',
      'LEGAL_HOLD_SET:a1',
    ]);
    const adminRows = trail.body.items.filter((e: { actorId: string }) => e.actorId === 'a1');
    for (const e of adminRows) expect(e).toMatchObject({ requestId: 'audit-check-1', ip: '127.0.0.1', at: expect.any(String), id: expect.any(Number) });
    const rejections = await sys.http('GET', `/api/admin/audit?action=REJECT&actorId=p1`, { token: admin() });
    expect(rejections.body.items.map((e: { target: string }) => e.target)).toContain(`consultation:${rejected}`);
    const exports = await sys.http('GET', `/api/admin/audit?action=EXPORT`, { token: admin() });
    expect(exports.body.items.map((e: { target: string; actorId: string }) => `${e.actorId}>${e.target}`)).toEqual(
      expect.arrayContaining(['s1>user:s1', 'a1>user:p1']),
    );

    // Time window and paging.
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await sys.http('GET', `/api/admin/audit?from=${encodeURIComponent(future)}`, { token: admin() })).body).toMatchObject({ items: [], total: 0 });
    const page = await sys.http('GET', '/api/admin/audit?size=2&page=1', { token: admin() });
    expect(page.body).toMatchObject({ page: 1, size: 2 });
    expect(page.body.items).toHaveLength(2);
    expect((await sys.http('GET', '/api/admin/audit?action=NOPE', { token: admin() })).status).toBe(400);

    // Nobody else reads it, and the table refuses to be rewritten.
    for (const token of [student(), professor()]) {
      const denied = await sys.http('GET', '/api/admin/audit', { token });
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('FORBIDDEN');
    }
    await expect(sys.db.knex('audit_log').update({ actor_id: 'someone-else' })).rejects.toThrow(/append-only/);
    await expect(sys.db.knex('audit_log').del()).rejects.toThrow(/append-only/);
  });

  it('prunes audit rows past their own period only through the flagged delete', async () => {
    await sys.db.knex.raw(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    await sys.db.knex('audit_log').insert({ action: 'PURGE', target: 'consultation:999999', at: sys.db.knex.raw(`now() - interval '400 days'`) });
    await sys.db.knex.raw(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    const pruned = await sys.core.audit.prune(new Date(Date.now() - 365 * 86_400_000), 100);
    expect(pruned).toBe(1);
    expect(await sys.db.knex('audit_log').where({ target: 'consultation:999999' })).toEqual([]);
    expect(Number((await sys.db.knex('audit_log').count('* as n'))[0]!['n'])).toBeGreaterThan(5);
  });
});
