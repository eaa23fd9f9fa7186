import { createRedis } from '../../lib/redis/redis-client';
import { createRedisKeys } from '../../lib/redis/redis-keys';
import { startBenchSystem } from '../support/bench-system';
import { runLoad } from '../support/load-runner';
import { rssBytes } from '../support/process-stats';
import { startFullPath, type BenchServer } from '../support/servers';

export interface SoakWindow {
  /** Seconds since the soak started, at the window's end. */
  atSec: number;
  delivered: number;
  p50: number;
  p99: number;
  p999: number;
  gatewayRssMiB: number;
  workerRssMiB: number;
  redisUsedMiB: number;
}

export interface SoakSuiteResult {
  rooms: number;
  /** The closed-loop maximum measured first; the soak offers half of it. */
  maxMsgsPerSec: number;
  offered: number;
  backupIntervalMs: number;
  windows: SoakWindow[];
  /** Log lines at level error or above from the gateway and the worker over their whole life. */
  errorLines: number;
  /** Messages in PostgreSQL at the end, and still in the rooms' hot logs (bounded by the hot tail). */
  stored: number;
  hotLogEntries: number;
}

const BACKUP_INTERVAL_MS = 30_000;

/**
 * Hot path v2's soak: 50 % of the full path's own closed-loop maximum for 10 minutes, open loop, with the
 * default cycles running and backups every 30 s (not the default 5 minutes: more cycles under load).
 * Latency, RSS and Redis memory are read per 30 s window (quick: 3 × 10 s).
 */
export async function soakSuite(quick: boolean, shape: { rooms?: number; rate?: number; minutes?: number } = {}): Promise<SoakSuiteResult> {
  const roomsCount = shape.rooms ?? 100;
  const windowMs = quick ? 10_000 : 30_000;
  const windows = quick ? 3 : Math.round(((shape.minutes ?? 10) * 60_000) / windowMs);
  const sys = await startBenchSystem({ BACKUP_INTERVAL_MS: String(BACKUP_INTERVAL_MS) });
  const redis = createRedis(sys.config, 'bench-soak');
  const servers: BenchServer[] = [];
  try {
    const rooms = await sys.seedRooms(roomsCount);
    const { gateway, worker } = await startFullPath(sys.env);
    servers.push(gateway, worker);
    const max = await runLoad({ kind: 'stomp', port: gateway.port, mode: 'closed', window: 4, ratePerClient: 0, warmupMs: 2000, durationMs: 5000 }, rooms, 2);
    const offered = shape.rate ?? max.msgsPerSec / 2;
    const out: SoakWindow[] = [];
    const t0 = Date.now();
    for (let w = 0; w < windows; w++) {
      const r = await runLoad(
        { kind: 'stomp', port: gateway.port, mode: 'open', window: 0, ratePerClient: offered / (roomsCount * 2), warmupMs: 0, durationMs: windowMs },
        rooms,
        2,
      );
      const used = /^used_memory:(\d+)/m.exec(await redis.info('memory'));
      out.push({
        atSec: (Date.now() - t0) / 1000,
        delivered: r.msgsPerSec,
        p50: r.hist.percentileMs(50),
        p99: r.hist.percentileMs(99),
        p999: r.hist.percentileMs(99.9),
        gatewayRssMiB: rssBytes(gateway.pid) / 2 ** 20,
        workerRssMiB: rssBytes(worker.pid) / 2 ** 20,
        redisUsedMiB: Number(used?.[1] ?? 0) / 2 ** 20,
      });
    }
    const errorLines = [...gateway.proc.logs, ...worker.proc.logs].filter((l) => Number(l['level'] ?? 0) >= 50).length;
    await new Promise((res) => setTimeout(res, 2000)); // the last messages commit
    const stored = Number((await sys.knex('chat_message').count<{ n: string }[]>('* as n'))[0]!.n);
    const keys = createRedisKeys(sys.config.redisPrefix);
    let hotLogEntries = 0;
    for (const room of rooms) hotLogEntries += await redis.llen(keys.chatRoom(room.requestIdx));
    return { rooms: roomsCount, maxMsgsPerSec: max.msgsPerSec, offered, backupIntervalMs: BACKUP_INTERVAL_MS, windows: out, errorLines, stored, hotLogEntries };
  } finally {
    await Promise.all(servers.map((s) => s.proc.kill('SIGKILL')));
    await redis.quit();
    await sys.close();
  }
}
