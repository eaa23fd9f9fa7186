import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { bootProcess } from '../lib/runtime/process-boot';

/**
 * npm start: migrate, then run every role in the foreground as child processes sharing this
 * environment. Ctrl-C (or SIGTERM) asks each to drain, then waits; one role dying stops the rest.
 */
const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const ROLES: { name: string; entry: string }[] = [{ name: 'gateway', entry: 'gateway/main.ts' }];

function run(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(TSX, [path.join(ROOT, entry)], { stdio: 'inherit', env, cwd: ROOT });
}

function waitExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const { log } = bootProcess('start');
  // Children print their own warnings; pretty logs when a person is watching.
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_PRETTY: process.stdout.isTTY ? '1' : (process.env['LOG_PRETTY'] ?? '0') };

  const migrated = await waitExit(run('scripts/migrate.ts', env));
  if (migrated !== 0) process.exit(migrated);

  const children = ROLES.map((r) => ({ ...r, child: run(r.entry, env) }));
  let stopping = false;
  const stopAll = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'stopping all roles');
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
    const codes = await Promise.all(children.map(({ child }) => waitExit(child)));
    process.exit(codes.every((c) => c === 0) ? 0 : 1);
  };
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));
  for (const { name, child } of children) {
    child.once('exit', (code) => {
      if (!stopping) {
        log.error({ role: name, code }, 'a role exited; stopping the others');
        void stopAll(`${name} exited`);
      }
    });
  }
}

void main();
