import pg from 'pg';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/config';

/** A start-up failure with a one-line explanation and its fix, printed without a stack trace. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

const redact = (raw: string) => {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
};

/** PostgreSQL answers at DATABASE_URL's server (the `postgres` database, so a missing one is not an error here). */
export async function checkPostgres(config: AppConfig): Promise<void> {
  const url = new URL(config.databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new StartupError(
      `PostgreSQL is not reachable at ${redact(config.databaseUrl)} (${(err as Error).message || (err as { code?: string }).code}). ` +
        `Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, or set DATABASE_URL.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkRedis(config: AppConfig): Promise<void> {
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new StartupError(
      `Redis is not reachable at ${redact(config.redisUrl)} (${(err as Error).message}). ` +
        `Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no, or set REDIS_URL.`,
    );
  } finally {
    redis.disconnect();
  }
}

export async function checkServices(config: AppConfig, which: { postgres?: boolean; redis?: boolean } = { postgres: true, redis: true }): Promise<void> {
  if (which.postgres) await checkPostgres(config);
  if (which.redis) await checkRedis(config);
}
