import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { EMBEDDED_S3_CREDENTIALS, type AppConfig } from '../lib/config/config';
import type { Logger } from '../lib/logging/logger';
import { bootProcess, exitOnStartupError } from '../lib/runtime/process-boot';
import ROLE_NODE_FLAGS from '../lib/runtime/role-node-flags.json';
import { checkServices } from '../lib/runtime/service-checks';
import { startEmbeddedS3, type EmbeddedS3 } from '../lib/storage/embedded-s3';
import { ObjectStore } from '../lib/storage/object-store';

/**
 * npm start: migrate, start the embedded S3 server when MINIO_ENDPOINT is unset, then run every role in the foreground as child processes sharing this
 * environment. Ctrl-C (or SIGTERM) asks each to drain, then waits; one role dying stops the rest.
 */
const ROOT = path.resolve(__dirname, '..');
const ROLES: { name: string; entry: string }[] = [
  { name: 'gateway', entry: 'gateway/main.ts' },
  { name: 'workers', entry: 'workers/main.ts' },
  { name: 'dashboards', entry: 'dashboards/main.ts' },
];

function run(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  // `node --import tsx` rather than the tsx CLI: signals reach the role process itself.
  const flags: string[] = (ROLE_NODE_FLAGS as Record<string, string[]>)[entry] ?? [];
  return spawn(process.execPath, [...flags, '--import', 'tsx', path.join(ROOT, entry)], { stdio: 'inherit', env, cwd: ROOT });
}

function waitExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    // A child killed by a signal has exitCode null and signalCode set: it has exited all the same.
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? 1);
    else child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** The embedded S3 server when MINIO_ENDPOINT is unset (its endpoint goes into `env`), then the bucket. */
async function prepareObjectStore(config: AppConfig, env: NodeJS.ProcessEnv, log: Logger): Promise<EmbeddedS3 | undefined> {
  let embedded: EmbeddedS3 | undefined;
  if (!config.s3.endpoint) {
    try {
      embedded = await startEmbeddedS3({ directory: path.resolve(config.dataDir, 's3'), port: config.s3.embeddedPort });
    } catch (err) {
      process.stderr.write(
        `office-hours start: cannot start the embedded S3 server on 127.0.0.1:${config.s3.embeddedPort} (${(err as Error).message}). Free the port, set EMBEDDED_S3_PORT, or set MINIO_ENDPOINT.\n`,
      );
      process.exit(1);
    }
    Object.assign(env, {
      MINIO_ENDPOINT: embedded.endpoint,
      MINIO_ACCESS_KEY: EMBEDDED_S3_CREDENTIALS.accessKey,
      MINIO_SECRET_KEY: EMBEDDED_S3_CREDENTIALS.secretKey,
    });
    log.info({ endpoint: embedded.endpoint, directory: path.resolve(config.dataDir, 's3') }, 'embedded S3 server started');
  }
  const store = new ObjectStore({
    endpoint: env['MINIO_ENDPOINT']!,
    accessKey: env['MINIO_ACCESS_KEY'] ?? config.s3.accessKey,
    secretKey: env['MINIO_SECRET_KEY'] ?? config.s3.secretKey,
    bucket: config.s3.bucket,
  });
  try {
    await store.ensureBucket();
  } catch (err) {
    process.stderr.write(`office-hours start: S3 endpoint ${env['MINIO_ENDPOINT']} is not usable: ${(err as Error).message}\n`);
    process.exit(1);
  }
  return embedded;
}

/** Runs every role; Ctrl-C (or SIGTERM) drains them all, and one role dying stops the rest. */
function superviseRoles(env: NodeJS.ProcessEnv, embedded: EmbeddedS3 | undefined, log: Logger): void {
  const children = ROLES.map((r) => ({ ...r, child: run(r.entry, env) }));
  let stopping = false;
  const stopAll = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'stopping all roles');
    for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const codes = await Promise.all(children.map(({ child }) => waitExit(child)));
    await embedded?.close();
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

async function main(): Promise<void> {
  const { config, log } = bootProcess('start');
  // This process printed the development notices; the roles it starts stay quiet about them, and log
  // pretty when a person is watching.
  const pretty = config.logPretty ?? process.stdout.isTTY === true;
  const env: NodeJS.ProcessEnv = { ...process.env, STARTUP_WARNINGS: 'false', LOG_PRETTY: pretty ? '1' : '0' };
  try {
    await checkServices(config, undefined, (m) => log.warn(m));
  } catch (err) {
    exitOnStartupError(err, log, 'start');
  }
  const migrated = await waitExit(run('scripts/migrate.ts', env));
  if (migrated !== 0) process.exit(migrated);
  superviseRoles(env, await prepareObjectStore(config, env, log), log);
}

void main();
