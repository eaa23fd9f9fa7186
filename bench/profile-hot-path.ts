import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRedis } from '../lib/redis/redis-client';
import { startBenchSystem } from './support/bench-system';
import { runLoad } from './support/load-runner';
import { cpuSeconds, postgresCpuSince, postgresCpuSnapshot } from './support/process-stats';
import { histogramQuantile, startFullPath } from './support/servers';

/**
 * npm run bench:profile [-- --seconds 10 --rate 0 --out bench/results/profile]
 * Runs the full path under the chat bench's load (closed loop, or open loop at --rate msg/s) with
 * V8's CPU profiler on the gateway and the worker, and reads Redis's per-command time. Prints where
 * each process spends its time per delivered message; the .cpuprofile files open in Chrome DevTools.
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '0' },
    rooms: { type: 'string', default: '100' },
    out: { type: 'string', default: path.join('bench', 'results', 'profile') },
    'no-cpu-prof': { type: 'boolean', default: false },
    /** Extra node flags for the gateway (space-separated), to compare V8 settings. */
    'gateway-node-args': { type: 'string', default: '' },
  },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const roomsCount = Number(values.rooms);
const outDir = path.resolve(values.out!);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/**
 * Self time per function from a .cpuprofile, as µs per delivered message, over the samples of the measured
 * run only: the profile ends when the process exits, `window` says how long before that the run started
 * and ended (ms).
 */
function topSelfTimes(file: string, delivered: number, window: { fromEndMs: number; toEndMs: number }, limit = 25): string[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const at: number[] = [];
  let t = 0;
  for (const d of prof.timeDeltas) at.push((t += d));
  const from = t - window.fromEndMs * 1000;
  const to = t - window.toEndMs * 1000;
  const kept = { samples: [] as number[], timeDeltas: [] as number[] };
  for (let i = 0; i < prof.samples.length; i++) {
    if (at[i]! < from || at[i]! > to) continue;
    kept.samples.push(prof.samples[i]!);
    kept.timeDeltas.push(prof.timeDeltas[i]!);
    const node = byId.get(prof.samples[i]!)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*node_modules\//, '~/').replace(/^.*\/work\/[^/]+\//, '')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`;
    self.set(key, (self.get(key) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  // The run's samples alone, for DevTools or a closer look.
  writeFileSync(file.replace(/\.cpuprofile$/, '.run.cpuprofile'), JSON.stringify({ ...prof, ...kept }));
  const idle = [...self.entries()].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  const busy = [...self.values()].reduce((a, b) => a + b, 0) - idle;
  const lines = [`busy ${(busy / delivered).toFixed(1)} µs/msg (sampled)`];
  for (const [k, v] of [...self.entries()]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)) {
    lines.push(`${(v / delivered).toFixed(2).padStart(7)} µs  ${((v / busy) * 100).toFixed(1).padStart(5)} %  ${k}`);
  }
  return lines;
}

function commandStats(info: string, delivered: number): string[] {
  const rows = [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)].map((m) => ({ cmd: m[1]!, calls: Number(m[2]), usec: Number(m[3]) }));
  rows.sort((a, b) => b.usec - a.usec);
  const total = rows.reduce((a, r) => a + r.usec, 0);
  return [
    `commands ${(total / delivered).toFixed(1)} µs/msg`,
    ...rows.slice(0, 15).map((r) => `${(r.usec / delivered).toFixed(2).padStart(7)} µs  ${(r.calls / delivered).toFixed(3).padStart(7)} calls/msg  ${r.cmd}`),
  ];
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const sys = await startBenchSystem();
  const redis = createRedis(sys.config, 'bench-profile');
  try {
    const rooms = await sys.seedRooms(roomsCount);
    const profDir = (name: string) => (values['no-cpu-prof'] ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.join(outDir, name)}`, '--cpu-prof-interval=200']);
    const gatewayArgs = values['gateway-node-args']!.split(' ').filter(Boolean);
    const { gateway, worker } = await startFullPath(sys.env, { gateway: [...gatewayArgs, ...profDir('gateway')], worker: profDir('worker') });
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))![1]);
    const pids = { gateway: gateway.pid, worker: worker.pid, redis: redisPid };
    const load = {
      kind: 'stomp' as const,
      port: gateway.port,
      window: rate ? 0 : 4,
      ratePerClient: rate / (roomsCount * 2),
      warmupMs: 2000,
      durationMs: seconds * 1000,
    };
    await runLoad({ ...load, mode: rate ? 'open' : 'closed', durationMs: 2000 }, rooms, 2); // warm the JIT and the hot logs
    await redis.config('RESETSTAT');
    const c0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
    const pg0 = postgresCpuSnapshot();
    const scrapeWorker = () => fetch(`http://127.0.0.1:${worker.port}/metrics`, { headers: { connection: 'close' } }).then((res) => res.text());
    const workerBefore = await scrapeWorker();
    const runStart = Date.now();
    const r = await runLoad({ ...load, mode: rate ? 'open' : 'closed' }, rooms, 2);
    const runEnd = Date.now();
    const cpuUs = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p) - c0[k]!]));
    const pgCpu = postgresCpuSince(pg0);
    await new Promise((res) => setTimeout(res, 1000)); // the last messages commit
    const workerAfter = await scrapeWorker();
    const lag = (q: number) => (histogramQuantile(workerBefore, workerAfter, 'oh_persist_lag_seconds', q) * 1000).toFixed(0);
    const wall = (load.warmupMs + load.durationMs) / 1000;
    const delivered = r.msgsPerSec * wall;
    const report: string[] = [
      `# hot-path profile: ${rate ? `open loop ${rate} msg/s` : 'closed loop (window 4)'}, ${roomsCount} rooms × 2, ${seconds} s`,
      `delivered ${r.msgsPerSec.toFixed(0)} msg/s; send→deliver p50 ${r.hist.percentileMs(50).toFixed(2)} ms, p99 ${r.hist.percentileMs(99).toFixed(2)} ms, p999 ${r.hist.percentileMs(99.9).toFixed(2)} ms; load generators ${r.loadCpuPercent.toFixed(0)} % CPU`,
      `RECEIPT → PostgreSQL lag p50 ${lag(0.5)} ms, p99 ${lag(0.99)} ms`,
      ...Object.entries(cpuUs).map(
        ([k, sec]) => `${k}: ${((sec / delivered) * 1e6).toFixed(1)} µs CPU per message, ${((sec / wall) * 100).toFixed(1)} % of a core (from /proc)`,
      ),
      `postgres (all backends): ${((pgCpu / delivered) * 1e6).toFixed(1)} µs CPU per message, ${((pgCpu / wall) * 100).toFixed(1)} % of a core`,
      `all server processes: ${(((Object.values(cpuUs).reduce((a, b) => a + b, 0) + pgCpu) / delivered) * 1e6).toFixed(1)} µs CPU per message, ${(((Object.values(cpuUs).reduce((a, b) => a + b, 0) + pgCpu) / wall) * 100).toFixed(1)} % of a core`,
      '',
      '## redis',
      ...commandStats(await redis.info('commandstats'), delivered),
    ];
    const killedAt = Date.now();
    await gateway.proc.kill();
    await worker.proc.kill();
    const window = { fromEndMs: killedAt - runStart, toEndMs: killedAt - runEnd };
    for (const name of ['gateway', 'worker']) {
      const dir = path.join(outDir, name);
      // The main thread's profile (thread id 0); piscina's and the loader's threads write their own.
      const file = values['no-cpu-prof'] ? undefined : readdirSync(dir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
      if (file) report.push('', `## ${name} (${path.join(dir, file)})`, ...topSelfTimes(path.join(dir, file), delivered, window));
    }
    writeFileSync(path.join(outDir, 'summary.md'), report.join('\n') + '\n');
    console.log(report.join('\n'));
  } finally {
    await redis.quit();
    await sys.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
