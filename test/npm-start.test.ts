import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
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
 * EMBEDDED_S3_PORT, runs the three roles, prints each development notice once, and Ctrl-C stops all.
 * In the `cluster` jest project the same runs with REDIS_CLUSTER_NODES, and its keys land on the cluster.
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
let start: RoleProcess | undefined;

afterAll(async () => {
  await start?.kill('SIGKILL');
  const redis = createRedis(redisTarget(), 'test-cleanup');
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  rmSync(dataDir, { recursive: true, force: true });
});

it('runs every role with the embedded S3 on its configured port, notices once, and stops on SIGINT', async () => {
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
  start = startRole('scripts/start-all.ts', env);
  const s3 = await start.waitForLog((l) => l['msg'] === 'embedded S3 server started', 60_000);
  expect(String(s3['endpoint'])).toContain(`:${s3Port}`);
  for (const msg of ['gateway listening', 'workers started', 'dashboards listening']) await start.waitForLog((l) => l['msg'] === msg, 60_000);
  const notices = start.logs.filter((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('!!! '));
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
  const code = await start.kill('SIGINT');
  expect(code).toBe(0);
}, 120_000);
