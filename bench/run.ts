import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chatSuite, type ChatSuiteResult } from './suites/chat-suite';
import { connectionsSuite } from './suites/connections-suite';

/**
 * npm run bench [-- --quick] [-- --only chat,connections,backup,scan,rest]
 * Every figure is printed next to a baseline measured in the same run, as a ratio.
 */
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const quick = values.quick ?? false;
const only = values.only ? new Set(values.only.split(',')) : undefined;
const want = (name: string) => !only || only.has(name);

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const ms = (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)}` : '-');

function printChat(r: ChatSuiteResult): void {
  const [full, raw, sio] = r.rows;
  console.log(`\n## chat: ${r.rooms} rooms × 2 clients, closed loop (window 4) for max, open loop at 25/50/90 % of each server's max`);
  console.log('| server | max msg/s | server CPU % | loadgen CPU % | p50/p99/p999 ms @25% | @50% | @90% |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of r.rows) {
    const at = row.atLoad.map((a) => `${ms(a.p50)} / ${ms(a.p99)} / ${ms(a.p999)}`);
    console.log(`| ${row.server} | ${f(row.maxMsgsPerSec, 0)} | ${f(row.serverCpuPercentAtMax, 0)} | ${f(row.loadCpuPercentAtMax, 0)} | ${at.join(' | ')} |`);
  }
  console.log(`\nratios: full path / raw uWS relay = ${f(full!.maxMsgsPerSec / raw!.maxMsgsPerSec, 2)}× (target ≥ 0.5×); full path / socket.io relay = ${f(full!.maxMsgsPerSec / sio!.maxMsgsPerSec, 2)}× (target ≥ 2×)`);
  const half = full!.atLoad.find((a) => a.fraction === 0.5)!;
  console.log(`full path p99 send→deliver at 50 % load: ${ms(half.p99)} ms (target ≤ 10 ms)`);
  if (r.persistLagMs) console.log(`RECEIPT → PostgreSQL at 50 % load: p50 ${ms(r.persistLagMs.p50)} ms, p99 ${ms(r.persistLagMs.p99)} ms (target p99 ≤ 250 ms)`);
}

async function main(): Promise<void> {
  console.log(`# Office Hours benchmarks (${quick ? 'quick' : 'full'}) — ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${f(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}`);
  const results: Record<string, unknown> = {};
  if (want('chat')) {
    const r = await chatSuite(quick);
    results['chat'] = r;
    printChat(r);
  }
  if (want('connections')) {
    const rows = await connectionsSuite(quick);
    results['connections'] = rows;
    console.log('\n## connections: idle sessions on one process');
    console.log('| server | sessions | RSS per session | heap per session | connects/s |');
    console.log('|---|---|---|---|---|');
    for (const r of rows) {
      const heap = r.heapPerSessionBytes === undefined ? '-' : `${f(r.heapPerSessionBytes / 1024, 2)} KiB`;
      console.log(`| ${r.server} | ${r.sessions} | ${f(r.rssPerSessionBytes / 1024, 2)} KiB | ${heap} | ${f(r.connectPerSec, 0)} |`);
    }
    console.log(`ratio: full path / raw uWS per-session RSS = ${f(rows[0]!.rssPerSessionBytes / rows[1]!.rssPerSessionBytes, 2)}× (target ≤ 4 KiB per session)`);
  }
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${quick ? 'quick' : 'full'}-latest.json`), JSON.stringify(results, null, 2));
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
