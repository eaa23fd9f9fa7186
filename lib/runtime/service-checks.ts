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

/** The server to check: REDIS_URL, or each cluster seed in turn until one answers. */
function redisCandidates(config: AppConfig): { label: string; connect: () => Redis }[] {
  const once = { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 } as const;
  if (!config.redisClusterNodes) return [{ label: redact(config.redisUrl), connect: () => new Redis(config.redisUrl, once) }];
  return config.redisClusterNodes.map((n) => ({ label: `${n.host}:${n.port}`, connect: () => new Redis(n.port, n.host, once) }));
}

export async function checkRedis(config: AppConfig, warn: (message: string) => void = () => undefined): Promise<void> {
  const failures: string[] = [];
  for (const candidate of redisCandidates(config)) {
    const redis = candidate.connect();
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      failures.push(`${candidate.label} (${(err as Error).message})`);
      continue;
    }
    try {
      if (config.redisClusterNodes) await checkClusterState(redis, candidate.label);
      await checkEvictionPolicy(redis, config, warn);
      return;
    } finally {
      redis.disconnect();
    }
  }
  throw new StartupError(
    `Redis is not reachable at ${failures.join(', ')}. ` +
      (config.redisClusterNodes
        ? 'Check REDIS_CLUSTER_NODES (host:port of cluster nodes).'
        : 'Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no, or set REDIS_URL.'),
  );
}

async function checkClusterState(redis: Redis, label: string): Promise<void> {
  let info: string;
  try {
    info = (await redis.cluster('INFO')) as string;
  } catch (err) {
    throw new StartupError(
      `REDIS_CLUSTER_NODES is set but ${label} is not a cluster node (${(err as Error).message}); unset it or point it at a Redis Cluster.`,
    );
  }
  if (!/cluster_state:ok/.test(info)) throw new StartupError(`Redis Cluster at ${label} is not ready (cluster_state is not ok): are all slots assigned?`);
}

export async function checkServices(
  config: AppConfig,
  which: { postgres?: boolean; redis?: boolean } = { postgres: true, redis: true },
  warn: (message: string) => void = () => undefined,
): Promise<void> {
  if (which.postgres) await checkPostgres(config);
  if (which.redis) await checkRedis(config, warn);
}
