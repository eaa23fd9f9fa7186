import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../logging/logger';

export type { Knex };

// BIGINT ids (bigserial) as JS numbers: request ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

/** With `log`, knex's own warnings (a dropped or refused connection) are JSON lines of it instead of raw console text. */
export function createKnex(databaseUrl: string, pool: { min: number; max: number } = { min: 0, max: 10 }, log?: Logger): Knex {
  const db = log?.child({ db: 'knex' });
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool,
    log: db && {
      warn: (message: string) => db.warn(message),
      error: (message: string) => db.error(message),
      deprecate: (method: string, alternative: string) => db.warn({ method, alternative }, 'knex deprecation'),
      debug: (message: string) => db.debug(message),
    },
  });
}

/** Creates the database named in `databaseUrl` when it does not exist (connects to `postgres` to do so). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`database name "${name}" must be letters, digits and _`);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } catch (err) {
      // Another process created it at the same moment: fine.
      if ((err as { code?: string }).code !== '42P04') throw err;
    }
    return true;
  } finally {
    await admin.end();
  }
}
