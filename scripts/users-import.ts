import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { createKnex } from '../lib/db/knex-client';
import { normalizeRole } from '../lib/identity/roles';
import { bootProcess, exitOnStartupError } from '../lib/runtime/process-boot';
import { UserDirectory, type DirectoryUser } from '../lib/users/user-directory';
import { readCommandLine } from './command-line';

const USAGE = `usage: npm run users:import -- users.csv
  upserts users from a CSV with the header id,name,role (role STUDENT, PROFESSOR or ADMIN, ROLE_ prefix
  allowed), e.g. professors who have not signed in yet; a line without an id or a known role is skipped
  with a message on stderr
`;

/** npm run users:import -- users.csv: upserts users from a CSV with a header `id,name,role`. */
async function main(): Promise<void> {
  const { positionals } = readCommandLine(USAGE, { options: {}, allowPositionals: true });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const { config, log } = bootProcess('users-import');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`office-hours users-import: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})\n`);
    process.exit(2);
  }
  const rows = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
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
