import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRedis, scanKeys } from '../lib/redis/redis-client';
import { startRole, type RoleProcess } from './support/child-process';
import { freePortRange } from './support/free-port';
import { deleteKeysWithPrefix } from './support/redis-cleanup';
import { redisModeEnv } from './support/redis-mode';
import { adminQuery, databaseUrl } from './support/test-database';

/**
 * `npm start` on local defaults (development): migrates a missing database, starts the embedded S3 on
 * EMBEDDED_S3_PORT, runs the three roles, prints each development notice once and the console's address
 * once all are ready, starts a killed role again, and Ctrl-C stops all and frees the S3 port.
 * In the `cluster` jest project the same runs with REDIS_CLUSTER_NODES, and its keys land on the cluster.
 * The supervisor's crash loop and drain timeout are tested with stand-in roles in test/unit/role-supervisor.test.ts.
 */
const redisEnv = redisModeEnv();
const redisTarget = () => {
  const seeds = redisEnv['REDIS_CLUSTER_NODES'];
  return {
    redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    redisClusterNodes: seeds?.split(',').map((s) => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) })),
  };
};
const dbName = `oh_start_${randomBytes(4).toString('hex')}`;
const prefix = `ohstart-${randomBytes(4).toString('hex')}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oh-start-'));
const started: RoleProcess[] = [];
const FIRST_RUN_LINE = /^Office Hours is running: open the console at http:\/\/127\.0\.0\.1:(\d+)\/console\/ — get a token with: npm run token -- --help$/;

/** The roles' processes npm start reported, killed if a failed test left them (they have their own process groups). */
function killRoles(proc: RoleProcess): void {
  for (const line of proc.logs.filter((l) => l['msg'] === 'role started')) {
    try {
      process.kill(Number(line['pid']), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

async function startAll(): Promise<{ proc: RoleProcess; s3Port: number }> {
  const s3Port = await freePortRange(1);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl(dbName),
    REDIS_PREFIX: prefix,
    EMBEDDED_S3_PORT: String(s3Port),
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    WORKER_METRICS_PORT: '0',
    DASHBOARD_PORT: '0',
    ...redisEnv,
  };
  const proc = startRole('scripts/start-all.ts', env);
  started.push(proc);
  return { proc, s3Port };
}

afterAll(async () => {
  for (const proc of started) {
    await proc.kill('SIGKILL');
    killRoles(proc);
  }
  const redis = createRedis(redisTarget(), 'test-cleanup');
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  rmSync(dataDir, { recursive: true, force: true });
});

it('runs every role with the embedded S3 on its configured port, notices once, and stops on SIGINT', async () => {
  const { proc, s3Port } = await startAll();
  const s3 = await proc.waitForLog((l) => l['msg'] === 'embedded S3 server started', 60_000);
  expect(String(s3['endpoint'])).toContain(`:${s3Port}`);
  for (const msg of ['gateway listening', 'workers started', 'dashboards listening']) await proc.waitForLog((l) => l['msg'] === msg, 60_000);
  // One line for a person, once every role is ready: the console on the gateway's actual port.
  const gateway = proc.logs.find((l) => l['msg'] === 'gateway listening')!;
  const human = await proc.waitForLog((l) => FIRST_RUN_LINE.test(String(l['raw'])), 60_000);
  expect(FIRST_RUN_LINE.exec(String(human['raw']))![1]).toBe(String(gateway['port']));
  const consolePage = await fetch(`http://127.0.0.1:${String(gateway['port'])}/console/`, { headers: { connection: 'close' } });
  expect(consolePage.status).toBe(200);
  await consolePage.arrayBuffer();
  const notices = proc.logs.filter((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('!!! '));
  const texts = notices.map((l) => l['msg'] as string);
  expect(texts.filter((t) => t.includes('JWT_SECRET is not set'))).toHaveLength(1);
  expect(texts.filter((t) => t.includes('ARCHIVE_KEYS is not set'))).toHaveLength(1);
  expect(new Set(texts).size).toBe(texts.length);
  // The workers registered their job schedulers: keys under this prefix, on the single Redis or the cluster.
  const redis = createRedis(redisTarget(), 'test-inspect');
  let found = 0;
  for await (const keys of scanKeys(redis, `${prefix}:bull:*`)) found += keys.length;
  redis.disconnect();
  expect(found).toBeGreaterThan(0);
  const code = await proc.kill('SIGINT');
  // On a failure, the stop lines say which role did not drain, and why.
  const stopLines = proc.logs.filter(
    (l) => (l['msg'] === 'role stopped' && l['code'] !== 0) || (Number(l['level']) >= 40 && /drain|stop/.test(String(l['msg']))),
  );
  expect({ code, stopLines }).toEqual({ code: 0, stopLines: [] });
  expect(proc.logs.filter((l) => FIRST_RUN_LINE.test(String(l['raw'])))).toHaveLength(1);
}, 120_000);

it('starts a killed role again with backoff, then drains everything on SIGINT and frees the S3 port', async () => {
  const { proc, s3Port } = await startAll();
  await proc.waitForLog((l) => FIRST_RUN_LINE.test(String(l['raw'])), 60_000);
  const first = await proc.waitForLog((l) => l['msg'] === 'role started' && l['roleName'] === 'gateway');
  process.kill(Number(first['pid']), 'SIGKILL');
  const exited = await proc.waitForLog((l) => l['msg'] === 'role exited; restarting' && l['roleName'] === 'gateway', 30_000);
  expect(exited).toMatchObject({ code: null, signal: 'SIGKILL', attempt: 1, delayMs: 500 });
  const again = await proc.waitForLog((l) => l['msg'] === 'role started' && l['roleName'] === 'gateway' && l['attempt'] === 1, 30_000);
  expect(again['pid']).not.toBe(first['pid']);
  await proc.waitForLog((l) => l['msg'] === 'gateway listening' && l['pid'] === again['pid'], 60_000);
  // The other roles kept running, and the line for a person is not repeated.
  expect(proc.logs.filter((l) => l['msg'] === 'role started')).toHaveLength(4);
  expect(proc.logs.filter((l) => FIRST_RUN_LINE.test(String(l['raw'])))).toHaveLength(1);
  expect(await proc.kill('SIGINT')).toBe(0);
  expect(proc.logs.filter((l) => l['msg'] === 'role stopped').map((l) => [l['roleName'], l['code']])).toEqual(
    expect.arrayContaining([
      ['gateway', 0],
      ['workers', 0],
      ['dashboards', 0],
    ]),
  );
  expect(await portIsFree(s3Port)).toBe(true);
}, 120_000);
