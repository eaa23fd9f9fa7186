import { loadConfig } from '../lib/config/config';
import { checkRedis, StartupError } from '../lib/runtime/service-checks';
import { startOwnRedis, type OwnRedis } from './support/own-redis';

/** Redis must not evict (CONTRACT §2): production refuses to start, development warns once. */
let redis: OwnRedis;
beforeAll(async () => {
  redis = await startOwnRedis();
});
afterAll(async () => {
  await redis.close();
});

const config = (nodeEnv: string) =>
  loadConfig({ NODE_ENV: nodeEnv, REDIS_URL: redis.url, JWT_SECRET: 'x', ARCHIVE_KEYS: `k:${Buffer.alloc(32).toString('base64')}`, DASHBOARD_PASSWORD: 'x' })
    .config;

it('accepts noeviction without a word', async () => {
  const warnings: string[] = [];
  await checkRedis(config('production'), (m) => warnings.push(m));
  expect(warnings).toEqual([]);
});

it('refuses an evicting policy in production and warns in development', async () => {
  await redis.client.config('SET', 'maxmemory-policy', 'volatile-lru');
  try {
    await expect(checkRedis(config('production'))).rejects.toThrow(StartupError);
    await expect(checkRedis(config('production'))).rejects.toThrow(/maxmemory-policy is volatile-lru; it must be noeviction/);
    const warnings: string[] = [];
    await checkRedis(config('development'), (m) => warnings.push(m));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/noeviction/);
  } finally {
    await redis.client.config('SET', 'maxmemory-policy', 'noeviction');
  }
});
