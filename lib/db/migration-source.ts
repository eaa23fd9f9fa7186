import type { Knex } from 'knex';
import * as m001 from './migrations/001-users-and-consultations';
import * as m002 from './migrations/002-chat-messages';
import * as m003 from './migrations/003-scan-indexes';
import * as m004 from './migrations/004-push';
import * as m005 from './migrations/005-chat-seq-reservations';
import * as m006 from './migrations/006-data-office';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

// Migrations are imported, not discovered on disk, so they run the same under tsx, jest and compiled JS.
const MIGRATIONS: readonly Migration[] = [m001, m002, m003, m004, m005, m006];

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}
