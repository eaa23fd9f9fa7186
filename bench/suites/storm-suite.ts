import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { createRedis } from '../../lib/redis/redis-client';
import { createRedisKeys, PERSIST_SHARDS } from '../../lib/redis/redis-keys';
import type { StormConfig } from '../load/reconnect-storm';
import { startBenchSystem } from '../support/bench-system';
import { LatencyHistogram } from '../support/latency-histogram';
import { startServer, type BenchServer } from '../support/servers';

export interface StormSuiteResult {
  sessions: number;
  missedPerRoom: number;
  connectToAMs: number;
  /** From the storm's start until every session was connected and subscribed on B. */
  reconnectedMs: number;
  /** From the storm's start until every session held every missed message. */
  allSyncedMs: number;
  syncP50Ms: number;
  syncP99Ms: number;
  /** Redis CPU (user + sys) over the storm: the busiest 100 ms window, in % of one core. */
  redisPeakCpuPercent: number;
  /** chat.sync frames answered vs hot-log read scripts Redis ran for them (identical concurrent reads share one). */
  syncs: number;
  hotLogReads: number;
  errors: number;
}

const GENERATORS = 2;
const LOADER = path.join(__dirname, '..', 'load', 'reconnect-storm.ts');

interface Generator {
  child: ChildProcess;
  next(): Promise<Record<string, any>>;
}

function startGenerator(cfg: StormConfig, dir: string, i: number): Generator {
  const file = path.join(dir, `storm-${i}.json`);
  writeFileSync(file, JSON.stringify(cfg));
  const child = spawn(process.execPath, ['--import', 'tsx', LOADER, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Record<string, any>[] = [];
  let waiter: (() => void) | undefined;
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, any>);
    waiter?.();
  });
  return {
    child,
    async next() {
      while (lines.length === 0) await new Promise<void>((r) => (waiter = r));
      const line = lines.shift()!;
      if (line['error']) throw new Error(`storm generator: ${line['error']}`);
      return line;
    },
  };
}

/** Redis CPU seconds (user + sys) from INFO. */
async function redisCpu(redis: ReturnType<typeof createRedis>): Promise<number> {
  const info = await redis.info('cpu');
  const num = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return num('used_cpu_user') + num('used_cpu_sys');
}

/**
 * 10,000 sessions on gateway A; A is killed (SIGKILL); messages arrive while they are away; every session
 * reconnects to gateway B at once and syncs from its last seq.
 */
export async function stormSuite(quick: boolean): Promise<StormSuiteResult> {
  const sessions = quick ? 1000 : 10_000;
  const missedPerRoom = quick ? 10 : 20;
  const sys = await startBenchSystem();
  const redis = createRedis(sys.config, 'bench-storm');
  const servers: BenchServer[] = [];
  const generators: Generator[] = [];
  try {
    const rooms = await sys.seedRooms(sessions / 2);
    const a = await startServer('gateway/main.ts', sys.env);
    const b = await startServer('gateway/main.ts', sys.env);
    const worker = await startServer('workers/main.ts', sys.env, [], 'metricsPort');
    servers.push(a, b, worker);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oh-storm-'));
    for (let i = 0; i < GENERATORS; i++) {
      const slice = rooms.filter((_, j) => j % GENERATORS === i);
      generators.push(startGenerator({ port: a.port, rooms: slice, localAddresses: [`127.0.${10 + i}.2`, `127.0.${10 + i}.3`] }, dir, i));
    }
    const ready = await Promise.all(generators.map((g) => g.next()));
    await a.proc.kill('SIGKILL');

    for (const g of generators) g.child.stdin!.write(`seed ${b.port} ${missedPerRoom}\n`);
    await Promise.all(generators.map((g) => g.next()));
    // Let persistence catch up, so the storm's Redis figures are the syncs' alone.
    const keys = createRedisKeys(sys.config.redisPrefix);
    for (let waited = 0; waited < 30_000; waited += 100) {
      const pending = await Promise.all(Array.from({ length: PERSIST_SHARDS }, (_, s) => redis.zcard(keys.persistPending(s))));
      if (pending.every((n) => n === 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    await redis.config('RESETSTAT');
    let peak = 0;
    let last = { at: performance.now(), cpu: await redisCpu(redis) };
    const sampler = setInterval(() => {
      void redisCpu(redis).then((cpu) => {
        const at = performance.now();
        peak = Math.max(peak, ((cpu - last.cpu) / ((at - last.at) / 1000)) * 100);
        last = { at, cpu };
      });
    }, 100);
    for (const g of generators) g.child.stdin!.write(`storm ${b.port} ${missedPerRoom}\n`);
    const results = await Promise.all(generators.map((g) => g.next()));
    clearInterval(sampler);
    // Every hot-log read that returns messages runs one LRANGE (persistence is idle by now).
    const lrange = /^cmdstat_lrange:calls=(\d+)/m.exec(await redis.info('commandstats'));

    const syncHist = new LatencyHistogram();
    for (const r of results) syncHist.merge(r['syncHist']);
    return {
      sessions,
      missedPerRoom,
      connectToAMs: Math.max(...ready.map((r) => r['connectMs'] as number)),
      reconnectedMs: Math.max(...results.map((r) => r['connectedMs'] as number)),
      allSyncedMs: Math.max(...results.map((r) => r['allSyncedMs'] as number)),
      syncP50Ms: syncHist.percentileMs(50),
      syncP99Ms: syncHist.percentileMs(99),
      redisPeakCpuPercent: peak,
      syncs: syncHist.count,
      hotLogReads: Number(lrange?.[1] ?? 0),
      errors: results.reduce((n, r) => n + (r['errors'] as number), 0),
    };
  } finally {
    for (const g of generators) g.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.proc.kill('SIGKILL')));
    await redis.quit();
    await sys.close();
  }
}
