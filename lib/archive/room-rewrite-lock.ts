import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys';
import { withLock, withLockOrWait } from '../redis/redis-lock';

const TTL_MS = 60_000;

/**
 * One writer at a time of a room's sealed copies: the archive, a snapshot, and an erasure that rewrites
 * the room's messages and re-seals them. Without it an archive that read PostgreSQL before an erasure
 * could upload the erased words after it. Undefined when another holder has it.
 */
export function withRoomRewriteLock<T>(redis: Redis, keys: RedisKeys, requestIdx: number, work: () => Promise<T>): Promise<T | undefined> {
  return withLock(redis, keys.lock(`room-rewrite:${requestIdx}`), TTL_MS, work);
}

/** The same lock, waited for (an archive holds it for a moment): throws if it is not free within a minute. */
export async function withRoomRewriteLockOrWait(redis: Redis, keys: RedisKeys, requestIdx: number, work: () => Promise<void>): Promise<void> {
  await withLockOrWait(redis, keys.lock(`room-rewrite:${requestIdx}`), TTL_MS, work, () => Promise.resolve(false), {
    stepMs: 100,
    limitMs: 60_000,
    what: `room ${requestIdx} rewrite lock`,
  });
}
