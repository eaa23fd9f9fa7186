import type { Redis } from 'ioredis';
import { createRedis } from '../../lib/redis/redis-client';
import { startBenchSystem } from '../support/bench-system';
import { holdIdle } from '../support/load-runner';
import { cpuSeconds, postgresCpuSince, postgresCpuSnapshot } from '../support/process-stats';
import { startFullPath, startServer, type BenchServer } from '../support/servers';

export interface IdleRow {
  server: string;
  sessions: number;
  /** CPU % of one core over the idle window, per process, and together. */
  byProcess: Record<string, number>;
  totalPercent: number;
}

/**
 * Idle cost: N authenticated, subscribed STOMP sessions (N/2 rooms) doing nothing but heart-beats, against
 * socket.io with N idle sockets; CPU of every server process over a window after the connect storm settled.
 */
export async function idleSuite(quick: boolean): Promise<IdleRow[]> {
  const sessions = quick ? 2000 : 10_000;
  const windowMs = quick ? 5_000 : 20_000;
  const sys = await startBenchSystem();
  const redis: Redis = createRedis(sys.config, 'bench-idle');
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))![1]);
  const started: BenchServer[] = [];
  const rows: IdleRow[] = [];
  try {
    const rooms = await sys.seedRooms(sessions / 2);
    const measure = async (server: string, kind: 'stomp' | 'socketio', port: number, pids: Record<string, number>) => {
      const held = await holdIdle({ kind, port }, rooms, 3);
      await new Promise((r) => setTimeout(r, 5000)); // the connect storm's aftermath (upserts, room reads, GC) settles
      const all = { ...pids, redis: redisPid };
      const c0 = Object.values(all).map(cpuSeconds);
      const pg0 = postgresCpuSnapshot();
      await new Promise((r) => setTimeout(r, windowMs));
      const percent = (sec: number) => (sec / (windowMs / 1000)) * 100;
      const byProcess: Record<string, number> = Object.fromEntries(Object.entries(all).map(([k, p], i) => [k, percent(cpuSeconds(p) - c0[i]!)]));
      byProcess['postgres'] = percent(postgresCpuSince(pg0));
      rows.push({ server, sessions: held.clients, byProcess, totalPercent: Object.values(byProcess).reduce((a, b) => a + b, 0) });
      await held.release();
    };
    const { gateway, worker } = await startFullPath(sys.env);
    started.push(gateway, worker);
    await measure('Office Hours', 'stomp', gateway.port, { gateway: gateway.pid, worker: worker.pid });
    await Promise.all([gateway.proc.kill(), worker.proc.kill()]);
    const sio = await startServer('bench/baselines/socketio-relay.ts', sys.env, ['0', sys.config.redisPrefix]);
    started.push(sio);
    await measure('socket.io + redis adapter', 'socketio', sio.port, { server: sio.pid });
    await sio.proc.kill();
    return rows;
  } finally {
    await Promise.all(started.map((s) => s.proc.kill('SIGKILL')));
    await redis.quit();
    await sys.close();
  }
}
