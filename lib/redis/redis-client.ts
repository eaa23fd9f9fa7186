import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging/logger';

export type { Redis };

/** Where Redis is: one server (REDIS_URL) or the seeds of a Redis Cluster (REDIS_CLUSTER_NODES, which wins). */
export interface RedisTarget {
  readonly redisUrl: string;
  readonly redisClusterNodes: readonly { host: string; port: number }[] | undefined;
}

export interface RedisClientOptions {
  /** BullMQ workers need `maxRetriesPerRequest: null` and no auto-pipelining (blocking commands must not queue behind others). */
  forBullWorker?: boolean;
  /** A cluster connection that will SSUBSCRIBE: one subscriber connection per master, following slot moves. */
  shardedSubscriber?: boolean;
  /**
   * BullMQ producers: their own connection without auto-pipelining. ioredis builds a Pipeline per auto-pipelined
   * batch and copies every script defined on the client onto it; BullMQ defines some fifty, which made that copy
   * the largest single cost of the hot path's own commands when they shared a client.
   */
  forBullQueues?: boolean;
  log?: Logger;
}

/**
 * `role` names the connection in CLIENT LIST. Request paths keep a bounded retry so a Redis outage fails a
 * request instead of hanging it. Against a cluster the same code runs on ioredis's `Cluster`, which offers the
 * same command interface (every script and MULTI touches one slot: see redis-keys.ts), so the rest of the
 * code is written against `Redis` and never asks which one it has, except to scan (`scanTargets`).
 */
export function createRedis(target: RedisTarget, role: string, options: RedisClientOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    connectionName: `office-hours:${role}`,
    maxRetriesPerRequest: options.forBullWorker ? null : 3,
    enableReadyCheck: true,
    // (Commands in flight when the connection drops are sent again on reconnect; the hot-log scripts check the
    // server's incarnation themselves, so a re-sent append cannot pass on a restored or promoted server.)
    autoResendUnfulfilledCommands: true,
  };
  // Commands issued in the same event-loop turn go out in one write (per node): far fewer syscalls under load.
  const enableAutoPipelining = !options.forBullWorker && !options.forBullQueues;
  const client = target.redisClusterNodes
    ? (new Cluster([...target.redisClusterNodes], {
        redisOptions,
        enableAutoPipelining,
        scaleReads: 'master',
        shardedSubscribers: options.shardedSubscriber === true,
        // A lost node's connection is dropped (not retried): commands for its slots go elsewhere, and the
        // MOVED answer, or the periodic refresh, finds the promoted replica.
        slotsRefreshInterval: 1000,
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        slotsRefreshTimeout: 2000,
      }) as unknown as Redis)
    : new Redis(target.redisUrl, { ...redisOptions, enableAutoPipelining });
  // While Redis is down ioredis reconnects and reports every attempt: one log line per 10 s is enough.
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    options.log?.warn({ err: err.message, connection: role }, 'Redis connection error; reconnecting');
  });
  return client;
}

/** The servers a key scan must visit: every master of a cluster (once it knows them), or the one server. */
export async function scanTargets(redis: Redis): Promise<Redis[]> {
  if (!redis.isCluster) return [redis];
  const cluster = redis as unknown as Cluster;
  if (cluster.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Redis Cluster not ready after 10 s')), 10_000);
      cluster.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  return cluster.nodes('master');
}

/** Every key matching `pattern`, from every server that holds keys (SCAN, so no server blocks). */
export async function* scanKeys(redis: Redis, pattern: string, count = 500): AsyncGenerator<string[]> {
  for (const node of await scanTargets(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (keys.length) yield keys;
    } while (cursor !== '0');
  }
}
