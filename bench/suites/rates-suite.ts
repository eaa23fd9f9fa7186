import type { Redis } from 'ioredis';
import type { LoadConfig } from '../load/chat-load';
import { createRedis } from '../../lib/redis/redis-client';
import { startBenchSystem } from '../support/bench-system';
import { runLoad } from '../support/load-runner';
import { cpuSeconds, postgresCpuSince, postgresCpuSnapshot } from '../support/process-stats';
import { histogramQuantile, startFullPath, startServer, type BenchServer } from '../support/servers';

/** One load point of one server: CPU of every server process (Redis and PostgreSQL included) per delivered message. */
export interface RatePoint {
  /** 0 = closed loop. */
  offered: number;
  delivered: number;
  cpuUsPerMsg: number;
  cpuPercent: number;
  /** CPU % of a core per process, in `processes` order. */
  byProcess: number[];
  p50: number;
  p99: number;
  p999: number;
  /** RECEIPT→PostgreSQL p99 (the full path only). */
  persistLagP99?: number;
}

export interface RatesRow {
  server: string;
  processes: string[];
  points: RatePoint[];
}

export const OPEN_RATES = [200, 2000, 5000];

interface Target {
  server: string;
  kind: LoadConfig['kind'];
  start(): Promise<{ port: number; pids: Record<string, number>; servers: BenchServer[]; metricsPort?: number }>;
}

/**
 * Issue 21's table: every server at the same fixed open-loop rates (the shape people make: each message on
 * its own turn, spread over the rooms) and closed loop, one after the other in one run. Server CPU counts
 * every process the design needs (its own, Redis, every PostgreSQL backend).
 */
export async function ratesSuite(quick: boolean): Promise<RatesRow[]> {
  const roomsCount = 100;
  const o = { warmupMs: quick ? 1000 : 3000, durationMs: quick ? 3000 : 10_000, processes: 2 };
  const sys = await startBenchSystem();
  const redis: Redis = createRedis(sys.config, 'bench-rates');
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))![1]);
  const started: BenchServer[] = [];
  const fullPath = (env: NodeJS.ProcessEnv) => async () => {
    const { gateway, worker } = await startFullPath(env);
    return { port: gateway.port, pids: { gateway: gateway.pid, worker: worker.pid }, servers: [gateway, worker], metricsPort: worker.port };
  };
  const single = (entry: string, args: string[]) => async () => {
    const s = await startServer(entry, sys.env, args);
    return { port: s.port, pids: { server: s.pid }, servers: [s] };
  };
  const targets: Target[] = [
    { server: 'raw uWS relay', kind: 'raw', start: single('bench/baselines/raw-uws-relay.ts', ['0']) },
    { server: 'socket.io + redis adapter + RPUSH', kind: 'socketio', start: single('bench/baselines/socketio-relay.ts', ['0', sys.config.redisPrefix]) },
    { server: 'socket.io + INSERT per message', kind: 'socketio', start: single('bench/baselines/socketio-durable-relay.ts', ['0', sys.config.redisPrefix]) },
    { server: 'Office Hours (RECEIPT after Redis)', kind: 'stomp', start: fullPath(sys.env) },
    { server: 'Office Hours (RECEIPT after PostgreSQL)', kind: 'stomp', start: fullPath({ ...sys.env, CHAT_RECEIPT_AFTER: 'postgres' }) },
  ];
  const rows: RatesRow[] = [];
  try {
    const rooms = await sys.seedRooms(roomsCount);
    for (const t of targets) {
      const s = await t.start();
      started.push(...s.servers);
      const pids = { ...s.pids, redis: redisPid };
      const points: RatePoint[] = [];
      for (const offered of [0, ...OPEN_RATES]) {
        const mode = offered === 0 ? 'closed' : 'open';
        const scrape = () =>
          s.metricsPort ? fetch(`http://127.0.0.1:${s.metricsPort}/metrics`, { headers: { connection: 'close' } }).then((r) => r.text()) : Promise.resolve('');
        const before = await scrape();
        const c0 = Object.values(pids).map(cpuSeconds);
        const pg0 = postgresCpuSnapshot();
        const r = await runLoad(
          {
            kind: t.kind,
            port: s.port,
            mode,
            window: offered === 0 ? 4 : 0,
            ratePerClient: offered / (roomsCount * 2),
            warmupMs: o.warmupMs,
            durationMs: o.durationMs,
          },
          rooms,
          o.processes,
        );
        const wall = (o.warmupMs + o.durationMs) / 1000;
        const byProcess = [...Object.values(pids).map((p, i) => cpuSeconds(p) - c0[i]!), postgresCpuSince(pg0)].map((sec) => (sec / wall) * 100);
        const cpuPercent = byProcess.reduce((a, b) => a + b, 0);
        let persistLagP99: number | undefined;
        if (s.metricsPort) {
          await new Promise((res) => setTimeout(res, 1000)); // the last messages commit
          persistLagP99 = histogramQuantile(before, await scrape(), 'oh_persist_lag_seconds', 0.99) * 1000;
        }
        points.push({
          offered,
          delivered: r.msgsPerSec,
          cpuUsPerMsg: ((cpuPercent / 100) * 1e6) / r.msgsPerSec,
          cpuPercent,
          byProcess,
          p50: r.hist.percentileMs(50),
          p99: r.hist.percentileMs(99),
          p999: r.hist.percentileMs(99.9),
          persistLagP99,
        });
        process.stdout.write(
          `  ${t.server} @ ${offered || 'closed'}: ${r.msgsPerSec.toFixed(0)} msg/s, ${cpuPercent.toFixed(1)} % CPU, p99 ${r.hist.percentileMs(99).toFixed(2)} ms\n`,
        );
      }
      rows.push({ server: t.server, processes: [...Object.keys(pids), 'postgres'], points });
      await Promise.all(s.servers.map((x) => x.proc.kill()));
    }
    return rows;
  } finally {
    await Promise.all(started.map((x) => x.proc.kill('SIGKILL')));
    await redis.quit();
    await sys.close();
  }
}

/** The markdown table of a run: per server, closed loop then each open-loop rate, with ratios to socket.io. */
export function ratesTable(rows: readonly RatesRow[]): string[] {
  const sio = rows.find((r) => r.server.startsWith('socket.io + redis'));
  const ratio = (row: RatesRow, i: number) => (sio && row !== sio ? ` (${(row.points[i]!.cpuUsPerMsg / sio.points[i]!.cpuUsPerMsg).toFixed(2)}×)` : '');
  const lines = [
    `| server | closed loop msg/s, CPU µs/msg | ${OPEN_RATES.map((r) => `${r} msg/s: CPU %, µs/msg (× socket.io), p50 / p99 / p999 ms`).join(' | ')} |`,
    `|---|---|${OPEN_RATES.map(() => '---').join('|')}|`,
  ];
  for (const row of rows) {
    const [closed, ...open] = row.points;
    const closedRatio = sio && row !== sio ? ` (${(closed!.delivered / sio.points[0]!.delivered).toFixed(2)}× socket.io)` : '';
    lines.push(
      `| ${row.server} | ${closed!.delivered.toFixed(0)}${closedRatio}, ${closed!.cpuUsPerMsg.toFixed(0)} | ${open
        .map(
          (p, i) =>
            `${p.cpuPercent.toFixed(1)} %, ${p.cpuUsPerMsg.toFixed(0)}${ratio(row, i + 1)}, ${p.p50.toFixed(2)} / ${p.p99.toFixed(2)} / ${p.p999.toFixed(2)}`,
        )
        .join(' | ')} |`,
    );
  }
  lines.push('', 'CPU % of one core per process (closed, then each rate):', '');
  for (const row of rows)
    lines.push(`- ${row.server} (${row.processes.join(', ')}): ${row.points.map((p) => p.byProcess.map((c) => c.toFixed(1)).join(' / ')).join(' · ')}`);
  const lag = rows.filter((r) => r.points.some((p) => p.persistLagP99 !== undefined));
  if (lag.length)
    lines.push(
      '',
      ...lag.map(
        (r) => `- ${r.server}: RECEIPT→PostgreSQL p99 ${r.points.map((p) => `${p.offered || 'closed'}: ${p.persistLagP99!.toFixed(0)} ms`).join(', ')}`,
      ),
    );
  return lines;
}
