import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';

export type { Redis };

/**
 * `role` names the connection in CLIENT LIST. BullMQ workers need `maxRetriesPerRequest: null` (and get no
 * auto-pipelining: their blocking commands must not queue behind others);
 * request paths keep a bounded retry so a Redis outage fails a request instead of hanging it.
 */
export function createRedis(url: string, role: string, options: { forBullWorker?: boolean; log?: Logger } = {}): Redis {
  const redis = new Redis(url, {
    connectionName: `office-hours:${role}`,
    maxRetriesPerRequest: options.forBullWorker ? null : 3,
    enableReadyCheck: true,
    // Commands issued in the same event-loop turn go out in one write: far fewer syscalls under load.
    enableAutoPipelining: !options.forBullWorker,
    // (Commands in flight when the connection drops are sent again on reconnect; ChatLog treats an append
    // answered across a reconnection as uncertain. With this off ioredis drops them without settling them.)
    autoResendUnfulfilledCommands: true,
  });
  // While Redis is down ioredis reconnects and reports every attempt: one log line per 10 s is enough.
  let lastLogged = 0;
  redis.on('error', (err: Error) => {
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    options.log?.warn({ err: err.message, connection: role }, 'Redis connection error; reconnecting');
  });
  return redis;
}
