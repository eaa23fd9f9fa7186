import { UserDirectory } from '../lib/users/user-directory';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/** Users come from token claims: written when new or changed, one statement for a turn's worth of connects. */
describe('user directory', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const row = (id: string) => db.knex('users').where({ id }).first('name', 'role', 'updated_at', db.knex.raw('xmin::text AS xmin'));

  it('writes the users of one turn in one statement, the last claim of an id winning', async () => {
    const directory = new UserDirectory(db.knex);
    await Promise.all([
      directory.upsert({ id: 'u1', name: 'One', role: 'STUDENT' }),
      directory.upsert({ id: 'u2', name: 'Two', role: 'PROFESSOR' }),
      directory.upsert({ id: 'u1', name: 'One again', role: 'STUDENT' }),
    ]);
    expect(await row('u1')).toMatchObject({ name: 'One again', role: 'STUDENT' });
    expect(await row('u2')).toMatchObject({ name: 'Two', role: 'PROFESSOR' });
  });

  it('rewrites a row only when the name or role changed, even from a process that never saw the user', async () => {
    const first = new UserDirectory(db.knex);
    await first.upsert({ id: 'u3', name: 'Three', role: 'STUDENT' });
    const before = await row('u3');
    // Another gateway (a fresh cache): same claims, so the row stays as it was.
    await new UserDirectory(db.knex).upsert({ id: 'u3', name: 'Three', role: 'STUDENT' });
    expect(await row('u3')).toEqual(before);
    await new UserDirectory(db.knex).upsert({ id: 'u3', name: 'Three B', role: 'STUDENT' });
    const after = await row('u3');
    expect(after.name).toBe('Three B');
    expect(after.xmin).not.toBe(before.xmin);
  });
});
