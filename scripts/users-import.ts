import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { createKnex } from '../lib/db/knex-client';
import { normalizeRole } from '../lib/identity/roles';
import { bootProcess, exitOnStartupError } from '../lib/runtime/process-boot';
import { UserDirectory, type DirectoryUser } from '../lib/users/user-directory';

/** npm run users:import -- users.csv: upserts users from a CSV with a header `id,name,role`. */
async function main(): Promise<void> {
  const { config, log } = bootProcess('users-import');
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npm run users:import -- users.csv   (columns: id,name,role)\n');
    process.exit(2);
  }
  const rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const users: DirectoryUser[] = [];
  rows.forEach((row, i) => {
    const role = normalizeRole(row['role']);
    const id = row['id'];
    if (!id || !role || id.length > 128) {
      process.stderr.write(`line ${i + 2}: needs an id (≤128 chars) and a role of STUDENT, PROFESSOR or ADMIN; skipped\n`);
      return;
    }
    users.push({ id, name: (row['name'] || id).slice(0, 200), role });
  });
  const knex = createKnex(config.databaseUrl, { min: 0, max: 1 });
  try {
    const directory = new UserDirectory(knex);
    for (let i = 0; i < users.length; i += 500) await directory.upsertMany(users.slice(i, i + 500));
    log.info({ imported: users.length, skipped: rows.length - users.length }, 'users imported');
  } catch (err) {
    exitOnStartupError(err, log, 'users-import');
  } finally {
    await knex.destroy();
  }
}

void main();
