import { consultationIn } from './support/consultation-in-state';
import { startTestSystem, type TestSystem } from './support/test-system';

/** A change and its audit row commit together (CONTRACT §4): a fault in the audit insert leaves the change undone. */
describe('audit rows in the same transaction as the change', () => {
  let sys: TestSystem;
  const professor = () => sys.token('p1', 'PROFESSOR');
  const rowsOf = (action: string, id: number) => sys.db.knex('audit_log').where({ action, target: `consultation:${id}` });
  const statusOf = async (id: number) => (await sys.db.knex('CONSULTATION_REQUEST_TBL').where({ request_idx: id }).first()).status as string;

  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
    // A fault of this file's own database: while the table oh_test_fault_on exists, APPROVE audit inserts fail.
    await sys.db.knex.raw(`CREATE FUNCTION oh_test_audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.action = 'APPROVE' AND EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'oh_test_fault_on') THEN RAISE EXCEPTION 'audit fault'; END IF; RETURN NEW; END $$`);
    await sys.db.knex.raw('CREATE TRIGGER oh_test_audit_fault BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION oh_test_audit_fault()');
  }, 30_000);
  afterAll(() => sys?.close());

  it('refuses an approval whose audit row cannot be written, changing nothing; the retry succeeds once it can', async () => {
    const id = await consultationIn(sys, 'PENDING');
    await sys.db.knex.raw('CREATE TABLE oh_test_fault_on ()');
    const refused = await sys.http('POST', '/api/consultation/approve', { token: professor(), body: { requestIdx: id } });
    expect(refused.status).toBe(500);
    expect(refused.body).toMatchObject({ error: { code: 'INTERNAL' } });
    expect(await statusOf(id)).toBe('PENDING');
    expect(await rowsOf('APPROVE', id)).toEqual([]);

    await sys.db.knex.raw('DROP TABLE oh_test_fault_on');
    const retried = await sys.http('POST', '/api/consultation/approve', {
      token: professor(),
      body: { requestIdx: id },
      headers: { 'x-request-id': 'retry-1' },
    });
    expect(retried.status).toBe(200);
    expect(await statusOf(id)).toBe('SCHEDULED');
    expect(await rowsOf('APPROVE', id)).toEqual([expect.objectContaining({ actor_id: 'p1', request_id: 'retry-1', ip: '127.0.0.1' })]);
  });

  it("audits a person's cancel, and the system's, in their own commits", async () => {
    const canceled = await consultationIn(sys, 'PENDING');
    const r = await sys.http('POST', '/api/consultation/cancel', { token: sys.token('s1', 'STUDENT'), body: { requestIdx: canceled } });
    expect(r.status).toBe(200);
    expect(await rowsOf('CANCEL', canceled)).toEqual([expect.objectContaining({ actor_id: 's1' })]);

    const closed = await consultationIn(sys, 'SCHEDULED');
    expect(await sys.core.lifecycle.closeBySystem(closed, 'a participant was erased')).toBe(true);
    expect(await rowsOf('CANCEL', closed)).toEqual([expect.objectContaining({ actor_id: null, ip: null })]);
  });
});
