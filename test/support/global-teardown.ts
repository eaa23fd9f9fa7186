import pg from 'pg';
import { ADMIN_URL } from './test-database';

/** Drops the template and any clone a crashed test file left behind (idempotent: both projects call it). */
export default async function globalTeardown(): Promise<void> {
  const template = process.env['OH_TEST_TEMPLATE_DB'];
  if (!template) return;
  delete process.env['OH_TEST_TEMPLATE_DB'];
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${template}%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
