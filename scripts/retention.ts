import { createKnex } from '../lib/db/knex-client';
import { retentionDryRun } from '../lib/data-office/retention-purge';
import { QUEUE_NAMES } from '../lib/queues/queue-names';
import { bootProcess, exitOnStartupError } from '../lib/runtime/process-boot';
import { buildCoreServices } from '../lib/runtime/core-services';
import { readCommandLine } from './command-line';

const USAGE = `usage: npm run retention -- --dry-run | --now
  --dry-run   print as JSON what the purge would take under RETENTION_DAYS (reads PostgreSQL; nothing deleted)
  --now       queue a purge run now (the workers run it, as the schedule does; docs/data-office.md)
`;

/** npm run retention: a dry run of the retention purge, or a purge run queued now. */
async function main(): Promise<void> {
  const { values } = readCommandLine(USAGE, { options: { 'dry-run': { type: 'boolean' }, now: { type: 'boolean' } } });
  if (Boolean(values['dry-run']) === Boolean(values.now)) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const { config, log } = bootProcess('retention');
  if (values['dry-run']) {
    // Reads PostgreSQL only: no Redis or S3 client is opened for a report.
    const knex = createKnex(config.databaseUrl);
    try {
      const report = await retentionDryRun(knex, config.retention);
      process.stdout.write(`${JSON.stringify({ retentionDays: config.retention.days ?? null, ...report }, null, 2)}\n`);
    } catch (err) {
      exitOnStartupError(err, log, 'retention');
    } finally {
      await knex.destroy();
    }
    return;
  }
  const core = buildCoreServices(config, 'retention', log);
  try {
    await core.queues.enqueue(QUEUE_NAMES.dataOffice, 'retention-purge', {});
    process.stdout.write('retention purge queued\n');
  } catch (err) {
    exitOnStartupError(err, log, 'retention');
  } finally {
    await core.close();
  }
}

void main();
