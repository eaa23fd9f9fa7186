import type { LoadConfig } from '../load/chat-load';
import { startBenchSystem } from '../support/bench-system';
import { runLoad, type LoadResult } from '../support/load-runner';
import { cpuSeconds } from '../support/process-stats';
import { histogramQuantile, startFullPath, startServer, type BenchServer } from '../support/servers';

export interface ChatRow {
  /** stomp (default receipts), stomp-postgres (CHAT_RECEIPT_AFTER=postgres), raw, socketio. */
  server: string;
  maxMsgsPerSec: number;
  serverCpuPercentAtMax: number;
  /** The closed-loop run's CPU per process (same order as the pids measured), in % of one core. */
  cpuPercentByProcessAtMax: number[];
  loadCpuPercentAtMax: number;
  /** send→RECEIPT at the closed-loop maximum (STOMP rows). */
  receiptAtMax: { p50: number; p99: number };
  atLoad: { fraction: number; offered: number; delivered: number; p50: number; p99: number; p999: number; receiptP50: number; receiptP99: number }[];
}

export interface ChatSuiteResult {
  rows: ChatRow[];
  persistLagMs: { p50: number; p99: number } | undefined;
  rooms: number;
}

const FRACTIONS = [0.25, 0.5, 0.9];

export async function measure(
  server: string,
  kind: LoadConfig['kind'],
  port: number,
  pids: number[],
  rooms: LoadConfig['rooms'],
  o: { warmupMs: number; durationMs: number; window: number; processes: number },
  onHalfLoad?: (run: () => Promise<LoadResult>) => Promise<LoadResult>,
): Promise<ChatRow> {
  const c0 = pids.map(cpuSeconds);
  const max = await runLoad(
    { kind, port, mode: 'closed', window: o.window, ratePerClient: 0, warmupMs: o.warmupMs, durationMs: o.durationMs },
    rooms,
    o.processes,
  );
  const byProcess = pids.map((p, i) => ((cpuSeconds(p) - c0[i]!) / ((o.warmupMs + o.durationMs) / 1000)) * 100);
  const serverCpu = byProcess.reduce((a, b) => a + b, 0);
  const atLoad: ChatRow['atLoad'] = [];
  for (const fraction of FRACTIONS) {
    const offered = max.msgsPerSec * fraction;
    const run = () =>
      runLoad(
        { kind, port, mode: 'open', window: 0, ratePerClient: offered / (rooms.length * 2), warmupMs: o.warmupMs, durationMs: o.durationMs },
        rooms,
        o.processes,
      );
    const r = fraction === 0.5 && onHalfLoad ? await onHalfLoad(run) : await run();
    atLoad.push({
      fraction,
      offered,
      delivered: r.msgsPerSec,
      p50: r.hist.percentileMs(50),
      p99: r.hist.percentileMs(99),
      p999: r.hist.percentileMs(99.9),
      receiptP50: r.receiptHist.percentileMs(50),
      receiptP99: r.receiptHist.percentileMs(99),
    });
  }
  return {
    server,
    maxMsgsPerSec: max.msgsPerSec,
    serverCpuPercentAtMax: serverCpu,
    cpuPercentByProcessAtMax: byProcess,
    loadCpuPercentAtMax: max.loadCpuPercent,
    receiptAtMax: { p50: max.receiptHist.percentileMs(50), p99: max.receiptHist.percentileMs(99) },
    atLoad,
  };
}

/**
 * The whole path (default receipts, then `CHAT_RECEIPT_AFTER=postgres`) vs a raw uWS relay vs a
 * socket.io + Redis relay, same load shape, same run.
 */
export async function chatSuite(quick: boolean): Promise<ChatSuiteResult> {
  const roomsCount = quick ? 50 : 100;
  const o = { warmupMs: quick ? 500 : 3000, durationMs: quick ? 1500 : 10_000, window: 4, processes: 2 };
  const sys = await startBenchSystem();
  const servers: BenchServer[] = [];
  try {
    const rooms = await sys.seedRooms(roomsCount);
    const { gateway, worker } = await startFullPath(sys.env);
    servers.push(gateway, worker);
    let persistLagMs: ChatSuiteResult['persistLagMs'];
    const scrape = () => fetch(`http://127.0.0.1:${worker.port}/metrics`, { headers: { connection: 'close' } }).then((r) => r.text());
    const full = await measure('stomp', 'stomp', gateway.port, [gateway.pid, worker.pid], rooms, o, async (run) => {
      const before = await scrape();
      const r = await run();
      // Let the last messages commit before reading the lag histogram.
      await new Promise((res) => setTimeout(res, 1000));
      const after = await scrape();
      persistLagMs = {
        p50: histogramQuantile(before, after, 'oh_persist_lag_seconds', 0.5) * 1000,
        p99: histogramQuantile(before, after, 'oh_persist_lag_seconds', 0.99) * 1000,
      };
      return r;
    });
    await gateway.proc.kill();
    await worker.proc.kill();

    const pgEnv = { ...sys.env, CHAT_RECEIPT_AFTER: 'postgres' };
    const { gateway: pgGateway, worker: pgWorker } = await startFullPath(pgEnv);
    servers.push(pgGateway, pgWorker);
    const fullPostgres = await measure('stomp-postgres', 'stomp', pgGateway.port, [pgGateway.pid, pgWorker.pid], rooms, o);
    await pgGateway.proc.kill();
    await pgWorker.proc.kill();

    const raw = await startServer('bench/baselines/raw-uws-relay.ts', sys.env, ['0']);
    servers.push(raw);
    const rawRow = await measure('raw', 'raw', raw.port, [raw.pid], rooms, o);
    await raw.proc.kill();

    const sio = await startServer('bench/baselines/socketio-relay.ts', sys.env, ['0', sys.config.redisPrefix]);
    servers.push(sio);
    const sioRow = await measure('socketio', 'socketio', sio.port, [sio.pid], rooms, o);
    await sio.proc.kill();
    return { rows: [full, fullPostgres, rawRow, sioRow], persistLagMs, rooms: roomsCount };
  } finally {
    await Promise.all(servers.map((s) => s.proc.kill('SIGKILL')));
    await sys.close();
  }
}
