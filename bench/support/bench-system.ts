import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type AppConfig } from '../../lib/config/config';
import { createKnex, ensureDatabase, type Knex } from '../../lib/db/knex-client';
import { migrateToLatest } from '../../lib/db/migration-source';
import { mintToken } from '../../lib/identity/token-minter';
import { createRedis } from '../../lib/redis/redis-client';
import { startEmbeddedS3, type EmbeddedS3 } from '../../lib/storage/embedded-s3';
import { deleteKeysWithPrefix } from '../../test/support/redis-cleanup';
import { adminQuery } from '../../test/support/test-database';

export const BENCH_SECRET = 'bench-secret';

/** A throw-away environment for one benchmark: its own database, Redis prefix and S3 directory. */
export interface BenchSystem {
  readonly env: NodeJS.ProcessEnv;
  readonly config: AppConfig;
  readonly knex: Knex;
  /** Creates `n` IN_PROGRESS consultations, each with a student and a professor token. */
  seedRooms(n: number): Promise<{ requestIdx: number; tokens: [string, string] }[]>;
  close(): Promise<void>;
}

export async function startBenchSystem(extraEnv: Record<string, string> = {}): Promise<BenchSystem> {
  const id = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dbName = `oh_bench_${id}`;
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${dbName}`;
  await ensureDatabase(databaseUrl);
  const knex = createKnex(databaseUrl, { min: 0, max: 10 });
  await migrateToLatest(knex);
  const s3Dir = mkdtempSync(path.join(os.tmpdir(), 'oh-bench-s3-'));
  const s3: EmbeddedS3 = await startEmbeddedS3({ directory: s3Dir, port: 0 });
  const prefix = `ohbench-${id}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: prefix,
    JWT_SECRET: BENCH_SECRET,
    ARCHIVE_KEYS: `b1:${Buffer.alloc(32, 7).toString('base64')}`,
    DASHBOARD_PASSWORD: 'bench',
    MINIO_ENDPOINT: s3.endpoint,
    MINIO_ACCESS_KEY: 'S3RVER',
    MINIO_SECRET_KEY: 'S3RVER',
    MINIO_BUCKET: `bench-${id.replace(/_/g, '-')}`,
    // The limits stay on; the bench raises them through their documented knobs.
    CHAT_SEND_RATE_PER_SEC: '1000000',
    CHAT_SEND_BURST: '1000000',
    STOMP_RATE_PER_SEC: '1000000',
    STOMP_BURST: '1000000',
    REST_RATE_PER_SEC: '1000000',
    REST_BURST: '1000000',
    REST_IP_RATE_PER_SEC: '1000000',
    WS_SESSIONS_PER_IP_PER_SEC: '1000000',
    CHAT_MAX_SESSIONS_PER_USER: '1000000',
    ...extraEnv,
  };
  const { config } = loadConfig(env);
  return {
    env,
    config,
    knex,
    async seedRooms(n) {
      const users: { id: string; name: string; role: string }[] = [];
      for (let i = 0; i < n; i++) users.push({ id: `bs${i}`, name: `Student ${i}`, role: 'STUDENT' }, { id: `bp${i}`, name: `Prof ${i}`, role: 'PROFESSOR' });
      for (let i = 0; i < users.length; i += 1000)
        await knex('users')
          .insert(users.slice(i, i + 1000))
          .onConflict('id')
          .ignore();
      const rows: { request_idx: number; student_id: string; professor_id: string }[] = [];
      for (let i = 0; i < n; i += 1000) {
        const batch = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
          student_id: `bs${i + j}`,
          professor_id: `bp${i + j}`,
          title: 'bench',
          content: 'bench',
          status: 'IN_PROGRESS',
          started_at: new Date(),
        }));
        rows.push(...(await knex('CONSULTATION_REQUEST_TBL').insert(batch).returning(['request_idx', 'student_id', 'professor_id'])));
      }
      return rows.map((r) => ({
        requestIdx: r.request_idx,
        tokens: [
          mintToken(BENCH_SECRET, { sub: r.student_id, name: r.student_id, roles: ['STUDENT'] }),
          mintToken(BENCH_SECRET, { sub: r.professor_id, name: r.professor_id, roles: ['PROFESSOR'] }),
        ],
      }));
    },
    async close() {
      await knex.destroy();
      const redis = createRedis(config, 'bench-cleanup');
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
      await s3.close();
      rmSync(s3Dir, { recursive: true, force: true });
      await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    },
  };
}
