import { Redis } from 'ioredis';

export type { Redis };

/**
 * `role` names the connection in CLIENT LIST. BullMQ workers need `maxRetriesPerRequest: null` (and get no
 * auto-pipelining: their blocking commands must not queue behind others);
 * request paths keep a bounded retry so a Redis outage fails a request instead of hanging it.
 */
export function createRedis(url: string, role: string, options: { forBullWorker?: boolean } = {}): Redis {
  return new Redis(url, {
    connectionName: `office-hours:${role}`,
    maxRetriesPerRequest: options.forBullWorker ? null : 3,
    enableReadyCheck: true,
    // Commands issued in the same event-loop turn go out in one write: far fewer syscalls under load.
    enableAutoPipelining: !options.forBullWorker,
  });
}
