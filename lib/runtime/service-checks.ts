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

/**
 * Redis must not evict: the hot log verifies itself and recovers from PostgreSQL, but BullMQ's queues
 * do not, and eviction turns every room into a rebuild. Production refuses to start; development warns.
 */
async function checkEvictionPolicy(redis: Redis, config: AppConfig, warn: (message: string) => void): Promise<void> {
  let policy: string | undefined;
  try {
    policy = ((await redis.config('GET', 'maxmemory-policy')) as string[])[1];
  } catch {
    warn('could not read Redis maxmemory-policy (CONFIG is disabled?); it must be noeviction');
    return;
  }
  if (policy === 'noeviction') return;
  const message = `Redis maxmemory-policy is ${policy}; it must be noeviction (redis-cli config set maxmemory-policy noeviction, and in redis.conf)`;
  if (config.isProduction) throw new StartupError(message);
  warn(`!!! ${message}. Evicted keys make rooms rebuild from PostgreSQL and can lose queued jobs.`);
}

export async function checkRedis(config: AppConfig, warn: (message: string) => void = () => undefined): Promise<void> {
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new StartupError(
      `Redis is not reachable at ${redact(config.redisUrl)} (${(err as Error).message}). ` +
        `Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no, or set REDIS_URL.`,
    );
  }
  try {
    await checkEvictionPolicy(redis, config, warn);
  } finally {
    redis.disconnect();
  }
}

export async function checkServices(
  config: AppConfig,
  which: { postgres?: boolean; redis?: boolean } = { postgres: true, redis: true },
  warn: (message: string) => void = () => undefined,
): Promise<void> {
  if (which.postgres) await checkPostgres(config);
  if (which.redis) await checkRedis(config, warn);
}
