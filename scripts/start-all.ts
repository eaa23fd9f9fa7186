import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { prettyFactory } from 'pino-pretty';
import { EMBEDDED_S3_CREDENTIALS, type AppConfig } from '../lib/config/config';
import { PRETTY_LOG_OPTIONS, type Logger } from '../lib/logging/logger';
import { bootProcess, exitOnStartupError } from '../lib/runtime/process-boot';
import ROLE_NODE_FLAGS from '../lib/runtime/role-node-flags.json';
import { checkServices } from '../lib/runtime/service-checks';
import { startEmbeddedS3, type EmbeddedS3 } from '../lib/storage/embedded-s3';
import { ObjectStore } from '../lib/storage/object-store';
import { readCommandLine } from './command-line';
import { DEFAULT_CRASH_LOOP, DEFAULT_RESTART_DELAY, RoleSupervisor } from './role-supervisor';

/**
 * npm start: migrate, start the embedded S3 server when MINIO_ENDPOINT is unset, then run every role in the
 * foreground under the supervisor (scripts/role-supervisor.ts), as child processes sharing this environment.
 */
const ROOT = path.resolve(__dirname, '..');
const ROLES: { name: string; entry: string; readyMessage: string }[] = [
  { name: 'gateway', entry: 'gateway/main.ts', readyMessage: 'gateway listening' },
  { name: 'workers', entry: 'workers/main.ts', readyMessage: 'workers started' },
  { name: 'dashboards', entry: 'dashboards/main.ts', readyMessage: 'dashboards listening' },
];
// No configuration sets a drain time: this is the longest PM2 gives a role (the workers' kill_timeout in
// ecosystem.config.js, for active jobs); the gateway's own drain gives up after 10 s.
const DRAIN_TIMEOUT_MS = 30_000;

const USAGE = `usage: npm start
  migrates the database (creating it if missing), starts an embedded S3 server on 127.0.0.1:EMBEDDED_S3_PORT
  when MINIO_ENDPOINT is unset, then runs gateway, workers and dashboards in the foreground, configured by
  the environment (.env.example). Once all are ready it prints where the console is.
  A role that exits is started again after ${DEFAULT_RESTART_DELAY.initialMs / 1000} s, doubling up to ${DEFAULT_RESTART_DELAY.maxMs / 1000} s; a role that exits again after
  ${DEFAULT_CRASH_LOOP.restarts} restarts within ${DEFAULT_CRASH_LOOP.windowMs / 1000} s stops everything (exit code 1).
  Ctrl-C or SIGTERM drains every role (SIGKILL after ${DRAIN_TIMEOUT_MS / 1000} s) and exits 0 when all drained; a second Ctrl-C kills at once.
`;

function nodeArgs(entry: string): string[] {
  // `node --import tsx` rather than the tsx CLI: signals reach the role process itself.
  const flags: string[] = (ROLE_NODE_FLAGS as Record<string, string[]>)[entry] ?? [];
  return [...flags, '--import', 'tsx', path.join(ROOT, entry)];
}

function run(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, nodeArgs(entry), { stdio: 'inherit', env, cwd: ROOT });
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

/** The one line for a person once every role is ready: where the console is and how to get a token. */
function firstRunLine(host: string, gatewayReady: Record<string, unknown> | undefined): string {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `Office Hours is running: open the console at http://${reachable}:${String(gatewayReady?.['port'])}/console/ — get a token with: npm run token -- --help\n`;
}

/** Runs every role under the supervisor until it stops; Ctrl-C (or SIGTERM) drains, a second one kills. */
async function superviseRoles(config: AppConfig, env: NodeJS.ProcessEnv, embedded: EmbeddedS3 | undefined, log: Logger, pretty: boolean): Promise<never> {
  // Roles log JSON into a pipe so their ready lines can be read; a person watching gets them prettified here.
  const prettify = pretty ? prettyFactory(PRETTY_LOG_OPTIONS) : undefined;
  const supervisor = new RoleSupervisor({
    roles: ROLES.map((r) => ({ name: r.name, nodeArgs: nodeArgs(r.entry), readyMessage: r.readyMessage })),
    env: { ...env, LOG_PRETTY: '0' },
    cwd: ROOT,
    log,
    writeLine: (line) => process.stdout.write(prettify ? prettify(line) : `${line}\n`),
    drainTimeoutMs: DRAIN_TIMEOUT_MS,
    onAllReady: (lines) => process.stdout.write(firstRunLine(config.host, lines.get('gateway'))),
  });
  let closingStore = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closingStore) process.exit(1);
    supervisor.stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The roles run in their own process groups: a closed terminal must stop them through here too.
  process.on('SIGHUP', onSignal);
  const code = await supervisor.run();
  closingStore = true;
  await embedded?.close();
  log.info({ code }, 'all roles stopped');
  process.exit(code);
}

async function main(): Promise<void> {
  readCommandLine(USAGE, { options: {} });
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
  await superviseRoles(config, env, await prepareObjectStore(config, env, log), log, pretty);
}

void main();
