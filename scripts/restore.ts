import { parseArgs } from 'node:util';
import { ArchiveRestorer, type RestoreSource } from '../lib/archive/archive-restorer';
import { bootProcess, exitOnStartupError } from '../lib/runtime/process-boot';
import { buildCoreServices } from '../lib/runtime/core-services';

/** npm run restore -- --request N [--from archive|temp] */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { request: { type: 'string' }, from: { type: 'string', default: 'archive' } } });
  const requestIdx = Number(values.request);
  if (!Number.isSafeInteger(requestIdx) || requestIdx <= 0 || (values.from !== 'archive' && values.from !== 'temp')) {
    process.stderr.write('usage: npm run restore -- --request <requestIdx> [--from archive|temp]\n');
    process.exit(2);
  }
  const { config, log } = bootProcess('restore');
  const core = buildCoreServices(config, 'restore', log);
  try {
    const restorer = new ArchiveRestorer({
      consultations: core.consultations,
      messages: core.hotLog.chatMessages,
      chatLog: core.hotLog.chatLog,
      rebuilder: core.hotLog.rebuilder,
      store: core.store,
      keyring: core.keyring,
      timeZone: config.archiveTimezone,
    });
    const report = await restorer.restore(requestIdx, values.from as RestoreSource, (done, total) =>
      process.stdout.write(`restore ${requestIdx}: ${done}/${total} lines\n`),
    );
    process.stdout.write(
      `restored consultation ${requestIdx} from ${report.source}: ${report.lines} lines, ${report.inserted} rows inserted, Redis ${report.redisRebuilt ? 'rebuilt' : 'untouched'}\n`,
    );
  } catch (err) {
    if (err instanceof Error && /does not exist|no (archive|temp) object/.test(err.message)) {
      process.stderr.write(`restore: ${err.message}\n`);
      process.exitCode = 1;
    } else exitOnStartupError(err, log, 'restore');
  } finally {
    await core.close();
  }
}

void main();
