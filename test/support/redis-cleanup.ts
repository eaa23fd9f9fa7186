import type { Redis } from 'ioredis';
import { scanKeys } from '../../lib/redis/redis-client';

/** Deletes every key under a test run's prefix (SCAN on every master, never KEYS; one UNLINK per key, as keys span slots). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const keys of scanKeys(redis, `${prefix}:*`, 1000)) {
    const counts = await Promise.all(keys.map((k) => redis.unlink(k)));
    deleted += counts.reduce((a, b) => a + b, 0);
  }
  return deleted;
}
