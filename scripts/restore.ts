import { writeFileSync } from 'node:fs';
import type { RestoreSource } from '../lib/archive/archive-restorer';
import { restoreAll } from '../lib/archive/restore-all';
import { bootProcess, exitOnStartupError } from '../lib/runtime/process-boot';
import { buildArchiveRestorer, buildCoreServices } from '../lib/runtime/core-services';
import { readCommandLine } from './command-line';

const USAGE = `usage: npm run restore -- --request <requestIdx> [--from archive|temp]
       npm run restore -- --all [--from archive|temp] [--report <file>]

Rebuilds messages in PostgreSQL (and an open room's Redis log) from the encrypted objects in the bucket,
under the seq, sender, role, content, time and clientMsgId they had. Rows already present are kept, so
a restore can be repeated: a second run inserts nothing.

  --request N      one consultation
  --all            every consultation that has an object of the source (disaster recovery); a progress
                   bar and logs on stderr, the JSON report alone on stdout (and in --report's file);
                   exit code 1 when any consultation failed
  --from archive   the final archives (default); temp: the temp snapshots with their segments
`;

/**
 * Progress on stderr: a bar redrawn in place on a terminal; elsewhere (a log file, a pipe) a plain line at
 * every tenth of the way, so the output stays one readable line per step.
 */
function progressReporter(label: string): (done: number, total: number) => void {
  if (process.stderr.isTTY === true) {
    return (done, total) => {
      const ratio = total === 0 ? 1 : done / total;
      const bar = '#'.repeat(Math.round(ratio * 30)).padEnd(30, '.');
      process.stderr.write(`\r${label} [${bar}] ${done}/${total}${done < total ? '' : '\n'}`);
    };
  }
  let lastTenth = -1;
  return (done, total) => {
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    if (tenth === lastTenth && done !== total) return;
    lastTenth = tenth;
    process.stderr.write(`${label}: ${done}/${total} consultations (${tenth * 10} %)\n`);
  };
}

async function main(): Promise<void> {
  const { values } = readCommandLine(USAGE, {
    options: {
      request: { type: 'string' },
      all: { type: 'boolean', default: false },
      from: { type: 'string', default: 'archive' },
      report: { type: 'string' },
    },
  });
  const requestIdx = Number(values.request);
  const one = values.request !== undefined && Number.isSafeInteger(requestIdx) && requestIdx > 0;
  if (one === values.all || (values.from !== 'archive' && values.from !== 'temp')) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const source = values.from as RestoreSource;
  // Logs go to stderr: stdout carries the report (--all) or the one-room summary, and nothing else.
  const { config, log } = bootProcess('restore', { logToStderr: true });
  const core = buildCoreServices(config, 'restore', log);
  try {
    const restorer = buildArchiveRestorer(core);
    if (values.all) {
      const report = await restoreAll(
        { restorer, store: core.store, consultations: core.consultations },
        source,
        progressReporter(`restore --all from ${source}`),
      );
      const json = JSON.stringify(report);
      if (values.report) writeFileSync(values.report, `${json}\n`);
      process.stdout.write(`${json}\n`);
      if (report.failed > 0) process.exitCode = 1;
      return;
    }
    const report = await restorer.restore(requestIdx, source, (done, total) => process.stdout.write(`restore ${requestIdx}: ${done}/${total} lines\n`));
    process.stdout.write(
      `restored consultation ${requestIdx} from ${report.source}: ${report.lines} lines, ${report.inserted} rows inserted, Redis ${report.redisRebuilt ? 'rebuilt' : 'untouched'}` +
        `${source === 'temp' ? `, ${report.segments} segments applied, ${report.skippedSegments} skipped` : ''}` +
        `${report.legacy ? ' (object without a restore section: seqs are line numbers, times to the second)' : ''}\n`,
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
