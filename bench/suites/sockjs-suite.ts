import { createRedis } from '../../lib/redis/redis-client';
import { startBenchSystem } from '../support/bench-system';
import { runLoad } from '../support/load-runner';
import { cpuSeconds, postgresCpuSince, postgresCpuSnapshot } from '../support/process-stats';
import { startFullPath, type BenchServer } from '../support/servers';

export interface SockJsRow {
  transport: string;
  offered: number;
  delivered: number;
  p50: number;
  p99: number;
  /** CPU of gateway, worker, Redis and PostgreSQL per delivered message. */
  cpuUsPerMsg: number;
  errors: number;
}

const TRANSPORTS: { name: string; kind: 'stomp' | 'sockjs'; sockjsTransport?: string }[] = [
  { name: 'WebSocket (/ws/chat)', kind: 'stomp' },
  { name: 'SockJS websocket', kind: 'sockjs', sockjsTransport: 'websocket' },
  { name: 'SockJS xhr-streaming', kind: 'sockjs', sockjsTransport: 'xhr-streaming' },
  { name: 'SockJS eventsource', kind: 'sockjs', sockjsTransport: 'eventsource' },
  { name: 'SockJS xhr-polling', kind: 'sockjs', sockjsTransport: 'xhr-polling' },
];

/** What a fallback costs: the same open-loop chat load (20 rooms × 2 clients) over each transport, on one gateway. */
export async function sockJsSuite(quick: boolean): Promise<SockJsRow[]> {
  const offered = 200;
  const o = { warmupMs: quick ? 1000 : 3000, durationMs: quick ? 3000 : 10_000 };
  const sys = await startBenchSystem();
  const redis = createRedis(sys.config, 'bench-sockjs');
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))![1]);
  let servers: BenchServer[] = [];
  const rows: SockJsRow[] = [];
  try {
    const rooms = await sys.seedRooms(20);
    const { gateway, worker } = await startFullPath(sys.env);
    servers = [gateway, worker];
    const pids = [gateway.pid, worker.pid, redisPid];
    // A first round over WebSocket, not recorded: the gateway's JIT warms up before any transport is measured.
    await runLoad({ kind: 'stomp', port: gateway.port, mode: 'open', window: 0, ratePerClient: offered / 40, ...o }, rooms, 1);
    for (const t of TRANSPORTS) {
      const c0 = pids.map(cpuSeconds);
      const pg0 = postgresCpuSnapshot();
      const r = await runLoad(
        { kind: t.kind, sockjsTransport: t.sockjsTransport, port: gateway.port, mode: 'open', window: 0, ratePerClient: offered / 40, ...o },
        rooms,
        1,
      );
      const cpu = pids.reduce((sum, p, i) => sum + cpuSeconds(p) - c0[i]!, 0) + postgresCpuSince(pg0);
      const wall = (o.warmupMs + o.durationMs) / 1000;
      rows.push({
        transport: t.name,
        offered,
        delivered: r.msgsPerSec,
        p50: r.hist.percentileMs(50),
        p99: r.hist.percentileMs(99),
        cpuUsPerMsg: ((cpu / wall) * 1e6) / r.msgsPerSec,
        errors: r.errors,
      });
      process.stdout.write(`  ${t.name}: ${r.msgsPerSec.toFixed(0)} msg/s, p99 ${r.hist.percentileMs(99).toFixed(2)} ms\n`);
    }
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.proc.kill('SIGKILL')));
    await redis.quit();
    await sys.close();
  }
}
