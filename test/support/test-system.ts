import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedS3, type EmbeddedS3 } from '../../lib/storage/embedded-s3';
import { startWorkers, type RunningWorkers } from '../../workers/worker-app';
import { loadConfig, type AppConfig } from '../../lib/config/config';
import { mintToken } from '../../lib/identity/token-minter';
import type { Role } from '../../lib/identity/roles';
import { createLogger } from '../../lib/logging/logger';
import { buildCoreServices, type CoreServices } from '../../lib/runtime/core-services';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../gateway/gateway-server';
import { createTestDatabase, type TestDatabase } from './test-database';
import { deleteKeysWithPrefix } from './redis-cleanup';
import { redisModeEnv } from './redis-mode';

export const TEST_JWT_SECRET = 'test-secret-for-office-hours-tests';
export const TEST_ARCHIVE_KEYS = `k1:${Buffer.alloc(32, 1).toString('base64')}`;

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestSystem {
  readonly s3: EmbeddedS3 | undefined;
  readonly workers: RunningWorkers | undefined;
  readonly config: AppConfig;
  /** The environment this system was configured from (to start more roles as child processes). */
  readonly env: NodeJS.ProcessEnv;
  readonly core: CoreServices;
  /** Restarts the embedded S3 server on the same port and directory (outage tests). */
  restartS3(): Promise<void>;
  readonly db: TestDatabase;
  readonly gateway: RunningGateway;
  readonly baseUrl: string;
  token(sub: string, roles: Role[] | Role, options?: { name?: string; expiresInSec?: number }): string;
  http<T = any>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<HttpResult<T>>;
  close(): Promise<void>;
}

/** Test environment of one test file: its own database, Redis prefix, and a gateway on a free port. */
export function testEnv(overrides: Record<string, string> = {}, dbUrl: string, prefix: string): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: dbUrl,
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: prefix,
    JWT_SECRET: TEST_JWT_SECRET,
    ARCHIVE_KEYS: TEST_ARCHIVE_KEYS,
    DASHBOARD_PASSWORD: 'test-dashboard-password',
    // Tests drive REST and STOMP far faster than a person; the files about limits set their own.
    REST_RATE_PER_SEC: '100000',
    REST_BURST: '100000',
    REST_IP_RATE_PER_SEC: '100000',
    WS_SESSIONS_PER_IP_PER_SEC: '100000',
    STOMP_RATE_PER_SEC: '100000',
    STOMP_BURST: '100000',
    ...redisModeEnv(),
    ...overrides,
  };
}

export function uniquePrefix(): string {
  return `ohtest-${randomBytes(5).toString('hex')}`;
}

export async function startTestSystem(
  overrides: Record<string, string> = {},
  gatewayOptions: Partial<Omit<GatewayOptions, 'core' | 'log'>> = {},
  options: { s3?: boolean; workers?: boolean; fcmHttpAgent?: import('node:http').Agent } = {},
): Promise<TestSystem> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix();
  const s3Dir = mkdtempSync(path.join(os.tmpdir(), 'oh-s3-'));
  let s3 = options.s3 || options.workers ? await startEmbeddedS3({ directory: s3Dir, port: 0 }) : undefined;
  const s3Env: Record<string, string> = s3
    ? { MINIO_ENDPOINT: s3.endpoint, MINIO_ACCESS_KEY: 'S3RVER', MINIO_SECRET_KEY: 'S3RVER', MINIO_BUCKET: `oh-${prefix.slice(7)}` }
    : {};
  const env = testEnv({ ...s3Env, ...overrides }, db.url, prefix);
  const { config } = loadConfig(env);
  const log = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent', role: 'test' });
  const core = buildCoreServices(config, 'test', log);
  if (s3) await core.store.ensureBucket();
  const gateway = await startGateway({ core, log, ...gatewayOptions }, '127.0.0.1', 0);
  let workers = options.workers ? await startWorkers(config, log, { metricsPort: 0, fcmHttpAgent: options.fcmHttpAgent }) : undefined;
  const baseUrl = `http://127.0.0.1:${gateway.port}`;
  return {
    get s3() {
      return s3;
    },
    get workers() {
      return workers;
    },
    async restartS3() {
      const port = Number(new URL(s3!.endpoint).port);
      s3 = await startEmbeddedS3({ directory: s3Dir, port });
    },
    config,
    env,
    core,
    db,
    gateway,
    baseUrl,
    token: (sub, roles, options = {}) =>
      mintToken(
        TEST_JWT_SECRET,
        { sub, name: options.name ?? `Name ${sub}`, roles: Array.isArray(roles) ? roles : [roles] },
        {
          expiresInSec: options.expiresInSec,
        },
      ),
    async http(method, path, options = {}) {
      const headers: Record<string, string> = { connection: 'close', ...options.headers };
      if (options.token) headers['authorization'] = `Bearer ${options.token}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
      return { status: res.status, body: parsed as never, headers: res.headers };
    },
    async close() {
      await gateway.close();
      await workers?.close();
      workers = undefined;
      await deleteKeysWithPrefix(core.redis, prefix);
      await core.close();
      await s3?.close().catch(() => undefined);
      rmSync(s3Dir, { recursive: true, force: true });
      await db.drop();
    },
  };
}
