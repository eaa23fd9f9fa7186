import { createKnex, ensureDatabase } from '../lib/db/knex-client';
import { migrateToLatest } from '../lib/db/migration-source';
import { bootProcess, exitOnStartupError } from '../lib/runtime/process-boot';
import { checkServices } from '../lib/runtime/service-checks';
import { readCommandLine } from './command-line';

const USAGE = `usage: npm run migrate
  creates the database of DATABASE_URL if it is missing, then applies every pending migration
  (npm start runs it first; from the build: npm run migrate:built)
`;

/** npm run migrate: creates the database if missing and applies every migration. */
async function main(): Promise<void> {
  readCommandLine(USAGE, { options: {} });
  const { config, log } = bootProcess('migrate');
  try {
    await checkServices(config, { postgres: true });
    const created = await ensureDatabase(config.databaseUrl);
    const knex = createKnex(config.databaseUrl, { min: 0, max: 1 });
    try {
      const applied = await migrateToLatest(knex);
      log.info({ createdDatabase: created, applied }, applied.length ? 'migrations applied' : 'database is up to date');
    } finally {
      await knex.destroy();
    }
  } catch (err) {
    exitOnStartupError(err, log, 'migrate');
  }
}

void main();
