import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createKnex, type Knex } from '../../lib/db/knex-client';

export const ADMIN_URL = process.env['TEST_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly knex: Knex;
  drop(): Promise<void>;
}

/** A fresh database for one test file, cloned from the migrated template that global setup made. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env['OH_TEST_TEMPLATE_DB'];
  if (!template) throw new Error('OH_TEST_TEMPLATE_DB is unset: run tests through jest (global setup)');
  const name = `${template}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  const url = databaseUrl(name);
  const knex = createKnex(url, { min: 0, max: 5 });
  return {
    name,
    url,
    knex,
    async drop() {
      await knex.destroy();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
