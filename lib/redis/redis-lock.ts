import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { readLua, withScripts, type ScriptCommand } from './lua-scripts';

const SCRIPTS = { ohLockRelease: { lua: readLua(__dirname, 'lock-release'), keys: 1 }, ohLockExtend: { lua: readLua(__dirname, 'lock-extend'), keys: 1 } };
type LockScripts = { ohLockRelease: ScriptCommand<number>; ohLockExtend: ScriptCommand<number> };

/**
 * Defines the lock scripts on a client when its owner is built. ioredis copies a client's scripts onto each
 * auto-pipeline as it creates it; a script defined later, while a pipeline of the same turn is open, is
 * missing from it and the pipeline's callbacks crash the process (ioredis#1931).
 */
export function prepareLocks(redis: Redis): void {
  withScripts<LockScripts>(redis, SCRIPTS);
}

/**
 * Runs `work` while holding a Redis lock (SET NX PX with a token, renewed while it runs), so a
 * maintenance cycle never overlaps the previous one, whichever process runs it. Returns undefined
 * without running when another holder has the lock.
 */
export async function withLock<T>(redis: Redis, key: string, ttlMs: number, work: () => Promise<T>): Promise<T | undefined> {
  const r = withScripts<LockScripts>(redis, SCRIPTS);
  const token = randomUUID();
  if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
  const renew = setInterval(() => void r.ohLockExtend(key, token, ttlMs).catch(() => undefined), Math.max(100, Math.floor(ttlMs / 3)));
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await r.ohLockRelease(key, token).catch(() => undefined);
  }
}

/** How long a process waits for another lock holder, and how often it looks whether that one finished. */
export interface LockWait {
  readonly stepMs: number;
  readonly limitMs: number;
  /** Named in the error when the wait runs out. */
  readonly what: string;
}

/**
 * Runs `work` under the lock, or, while another process holds it, waits until `settled()` says that
 * holder's work made this one unnecessary (polling every `stepMs`: the holder may be on another process, so
 * there is nothing local to await); throws after `limitMs`.
 */
export async function withLockOrWait(
  redis: Redis,
  key: string,
  ttlMs: number,
  work: () => Promise<void>,
  settled: () => Promise<boolean>,
  wait: LockWait,
): Promise<void> {
  const deadline = Date.now() + wait.limitMs;
  for (;;) {
    const ran = await withLock(redis, key, ttlMs, async () => {
      await work();
      return true;
    });
    if (ran || (await settled())) return;
    if (Date.now() > deadline) throw new Error(`${wait.what} did not finish in time`);
    await new Promise((r) => setTimeout(r, wait.stepMs));
  }
}
