import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chatSuite, type ChatSuiteResult } from './suites/chat-suite';
import { ratesSuite, ratesTable } from './suites/rates-suite';
import { startupSuite } from './suites/startup-suite';
import { idleSuite } from './suites/idle-suite';
import { backupSuite } from './suites/backup-suite';
import { clusterSuite } from './suites/cluster-suite';
import { connectionsSuite } from './suites/connections-suite';
import { restSuite } from './suites/rest-suite';
import { scanSuite } from './suites/scan-suite';
import { soakSuite } from './suites/soak-suite';
import { stormSuite } from './suites/storm-suite';
import { dataOfficeSuite } from './suites/data-office-suite';
import { sockJsSuite } from './suites/sockjs-suite';
import { clientReconnectSuite } from './suites/client-reconnect-suite';

/**
 * npm run bench [-- --quick] [-- --soak-rooms 1000 --soak-rate 2000 --soak-minutes 30] [-- --only startup,rates,idle,chat,cluster,connections,storm,backup,scan,rest,data-office,sockjs,client-reconnect,soak]
 * Every figure is printed next to a baseline measured in the same run, as a ratio.
 */
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    // The soak's shape (default: 100 rooms at half the closed-loop maximum for 10 minutes).
    'soak-rooms': { type: 'string' },
    'soak-rate': { type: 'string' },
    'soak-minutes': { type: 'string' },
  },
});
const quick = values.quick ?? false;
const only = values.only ? new Set(values.only.split(',')) : undefined;
const want = (name: string) => !only || only.has(name);

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const ms = (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)}` : '-');

function printChat(r: ChatSuiteResult): void {
  const [full, fullPostgres, raw, sio] = r.rows;
  console.log(`\n## chat: ${r.rooms} rooms × 2 clients, closed loop (window 4) for max, open loop at 25/50/90 % of each server's max`);
  console.log('| server | max msg/s | server CPU % | loadgen CPU % | p50/p99/p999 ms @25% | @50% | @90% |');
  console.log('|---|---|---|---|---|---|---|');
  const label: Record<string, string> = {
    stomp: 'full path, RECEIPT after Redis (default)',
    'stomp-postgres': 'full path, RECEIPT after PostgreSQL',
    raw: 'raw uWS relay',
    socketio: 'socket.io + Redis',
  };
  for (const row of r.rows) {
    const at = row.atLoad.map((a) => `${ms(a.p50)} / ${ms(a.p99)} / ${ms(a.p999)}`);
    console.log(
      `| ${label[row.server] ?? row.server} | ${f(row.maxMsgsPerSec, 0)} | ${f(row.serverCpuPercentAtMax, 0)} | ${f(row.loadCpuPercentAtMax, 0)} | ${at.join(' | ')} |`,
    );
  }
  console.log(
    `\nratios: full path / raw uWS relay = ${f(full!.maxMsgsPerSec / raw!.maxMsgsPerSec, 2)}× (the relay's ceiling, for scale); full path / socket.io relay = ${f(full!.maxMsgsPerSec / sio!.maxMsgsPerSec, 2)}× (target ≥ 1.5×, aim 2×)`,
  );
  const half = full!.atLoad.find((a) => a.fraction === 0.5)!;
  console.log(`full path p99 send→deliver at 50 % load: ${ms(half.p99)} ms (target ≤ 10 ms)`);
  console.log('\n| receipt mode | max msg/s | send→RECEIPT p50/p99 ms @max | @25% | @50% | @90% | send→deliver p50/p99 ms @50% |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of [full!, fullPostgres!]) {
    const rc = row.atLoad.map((a) => `${ms(a.receiptP50)} / ${ms(a.receiptP99)}`);
    const h = row.atLoad.find((a) => a.fraction === 0.5)!;
    console.log(
      `| ${row.server === 'stomp' ? 'redis' : 'postgres'} | ${f(row.maxMsgsPerSec, 0)} | ${ms(row.receiptAtMax.p50)} / ${ms(row.receiptAtMax.p99)} | ${rc.join(' | ')} | ${ms(h.p50)} / ${ms(h.p99)} |`,
    );
  }
  console.log(`postgres receipts / redis receipts throughput = ${f(fullPostgres!.maxMsgsPerSec / full!.maxMsgsPerSec, 2)}× (target ≥ 0.5×)`);
  if (r.persistLagMs)
    console.log(`RECEIPT → PostgreSQL at 50 % load: p50 ${ms(r.persistLagMs.p50)} ms, p99 ${ms(r.persistLagMs.p99)} ms (target p99 ≤ 250 ms)`);
}

async function main(): Promise<void> {
  console.log(`# Office Hours benchmarks (${quick ? 'quick' : 'full'}) — ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${f(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}`);
  const results: Record<string, unknown> = {};
  if (want('startup')) {
    const rows = await startupSuite((line) => console.log(line));
    results['startup'] = rows;
    console.log('\n## startup: spawn → health URL answers (gateway /readyz), then idle RSS 3 s later');
    console.log('| role | from | ready ms | idle RSS MiB |');
    console.log('|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.role} | ${r.from} | ${r.readyMs} | ${r.idleRssMiB.toFixed(0)} |`);
  }
  if (want('rates')) {
    const rows = await ratesSuite(quick);
    results['rates'] = rows;
    console.log(
      '\n## rates: 100 rooms × 2 clients; closed loop (window 4), then open loop at fixed total rates; CPU of every server process (its own, Redis, PostgreSQL backends)',
    );
    for (const line of ratesTable(rows)) console.log(line);
    console.log('targets: CPU per message ≤ 1.0× socket.io at every rate (bar 1.5×); p99 ≤ 3 ms at 2,000 and ≤ 5 ms at 5,000; closed loop ≥ 1.5× socket.io');
  }
  if (want('idle')) {
    const rows = await idleSuite(quick);
    results['idle'] = rows;
    console.log('\n## idle: authenticated, subscribed sessions doing nothing but heart-beats (socket.io: idle sockets), CPU of every server process');
    console.log('| server | sessions | CPU % of one core, by process | total |');
    console.log('|---|---|---|---|');
    for (const r of rows)
      console.log(
        `| ${r.server} | ${r.sessions} | ${Object.entries(r.byProcess)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')} | ${r.totalPercent.toFixed(1)} % |`,
      );
  }
  if (want('chat')) {
    const r = await chatSuite(quick);
    results['chat'] = r;
    printChat(r);
  }
  if (want('cluster')) {
    const r = await clusterSuite(quick);
    results['cluster'] = r;
    console.log(`\n## Redis Cluster vs single Redis: ${r.rooms} rooms × 2 clients, default receipts, every process on this box`);
    console.log(
      '| redis | max msg/s | CPU % gateway+worker+redis @max | CPU µs per message: gateway / worker / redis (all nodes) = total | p50/p99/p999 ms @25% | @50% | @90% |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const row of r.rows) {
      const at = row.atLoad.map((a) => `${ms(a.p50)} / ${ms(a.p99)} / ${ms(a.p999)}`);
      const us = (percent: number) => f((percent / 100 / row.maxMsgsPerSec) * 1e6, 0);
      const [gw = 0, wk = 0, ...redis] = row.cpuPercentByProcessAtMax;
      const breakdown = `${us(gw)} / ${us(wk)} / ${us(redis.reduce((a, b) => a + b, 0))} = ${us(row.serverCpuPercentAtMax)}`;
      console.log(
        `| ${row.server} (${row.redisProcesses} redis-server) | ${f(row.maxMsgsPerSec, 0)} | ${f(row.serverCpuPercentAtMax, 0)} | ${breakdown} | ${at.join(' | ')} |`,
      );
    }
    console.log(
      `ratio: cluster / single throughput = ${f(r.rows[1]!.maxMsgsPerSec / r.rows[0]!.maxMsgsPerSec, 2)}× (2 cores shared by 6 redis-servers: not expected to be faster here)`,
    );
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
    console.log(
      `ratio: full path / raw uWS per-session RSS = ${f(rows[0]!.rssPerSessionBytes / rows[1]!.rssPerSessionBytes, 2)}× (target ≤ 4 KiB per session)`,
    );
  }
  if (want('backup')) {
    const r = await backupSuite(quick);
    results['backup'] = r;
    const row = (name: string, b: typeof r.allChangedPool) =>
      `| ${name} | ${b.scanned} | ${b.changed} | ${b.uploaded} | ${b.failed} | ${f(b.durationMs / 1000, 2)} s |`;
    console.log(`\n## backup: ${r.rooms} open rooms × ${r.messagesPerRoom} messages, one cycle`);
    console.log('| cycle | scanned | changed | uploaded | failed | time |');
    console.log('|---|---|---|---|---|---|');
    console.log(row(`all changed, piscina pool (${r.threads} threads)`, r.allChangedPool));
    console.log(row('all changed, one thread', r.allChangedSingle));
    console.log(row('1 % changed, pool', r.onePercentChanged));
    console.log(
      `ratio: one thread / pool time = ${f(r.allChangedSingle.durationMs / r.allChangedPool.durationMs, 2)}×; 1 % changed / all changed time = ${f(r.onePercentChanged.durationMs / r.allChangedPool.durationMs, 3)}×`,
    );
    console.log('\n## backup: one room, its base cycle, then one cycle after new messages (segments)');
    console.log('| room messages | base: bytes | base: time | new messages | cycle: bytes uploaded | of the base | cycle: time |');
    console.log('|---|---|---|---|---|---|---|');
    for (const c of r.byChange) {
      console.log(
        `| ${f(c.roomMessages, 0)} | ${f(c.baseBytes / 1024, 0)} KiB | ${f(c.baseMs, 0)} ms | ${f(c.newMessages, 0)} | ${f(c.uploadedBytes / 1024, 1)} KiB | ${f((100 * c.uploadedBytes) / c.baseBytes, 2)} % | ${f(c.cycleMs, 0)} ms |`,
      );
    }
  }
  if (want('scan')) {
    const r = await scanSuite(quick);
    results['scan'] = r;
    console.log(`\n## auto-close scan: ${r.consultations} open consultations`);
    console.log('| run | time |');
    console.log('|---|---|');
    console.log(`| index-backed scan, nothing to close | ${f(r.indexedScanMs, 1)} ms |`);
    console.log(`| naive scan (load all open rows, filter in process) | ${f(r.naiveScanMs, 1)} ms |`);
    console.log(
      `| scan closing ${r.idle} idle (1 %) through the lifecycle | ${f(r.closeRunMs, 0)} ms (${r.closed} closed, ${f(r.closed / (r.closeRunMs / 1000), 0)}/s) |`,
    );
    console.log(`ratio: naive / index-backed = ${f(r.naiveScanMs / r.indexedScanMs, 1)}×`);
  }
  if (want('storm')) {
    const r = await stormSuite(quick);
    results['storm'] = r;
    console.log(
      `\n## reconnect storm: ${r.sessions} sessions on gateway A, SIGKILL A, ${r.missedPerRoom} messages per room while away, all reconnect to gateway B and chat.sync`,
    );
    console.log('| connect to A | all reconnected to B | all synced | sync p50 / p99 ms | Redis peak CPU % | chat.sync frames / hot-log reads | errors |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(
      `| ${f(r.connectToAMs, 0)} ms | ${f(r.reconnectedMs, 0)} ms | ${f(r.allSyncedMs, 0)} ms | ${ms(r.syncP50Ms)} / ${ms(r.syncP99Ms)} | ${f(r.redisPeakCpuPercent, 0)} | ${r.syncs} / ${r.hotLogReads} | ${r.errors} |`,
    );
    console.log(`reconnects/s into B: ${f(r.sessions / (r.reconnectedMs / 1000), 0)}; syncs per hot-log read: ${f(r.syncs / Math.max(1, r.hotLogReads), 2)}`);
  }
  if (want('rest')) {
    const r = await restSuite(quick);
    results['rest'] = r;
    console.log('\n## REST (autocannon, 32 connections)');
    console.log('| endpoint | req/s | p99 ms |');
    console.log('|---|---|---|');
    console.log(`| GET /api/consultation/active (auth + PostgreSQL) | ${f(r.listReqPerSec, 0)} | ${f(r.listP99Ms, 1)} |`);
    console.log(`| raw uWS GET /ping (baseline) | ${f(r.pingReqPerSec, 0)} | ${f(r.pingP99Ms, 1)} |`);
    console.log(`| request→approve→start→end flows (16 concurrent) | ${f(r.flowsPerSec, 0)} flows/s = ${f(r.flowsPerSec * 4, 0)} req/s | |`);
    console.log(`ratio: list / raw ping = ${f(r.listReqPerSec / r.pingReqPerSec, 3)}×`);
  }
  if (want('client-reconnect')) {
    const r = await clientReconnectSuite(quick);
    results['client-reconnect'] = r;
    console.log(`\n## client library: ${r.clients} clients on gateway A, SIGKILL A, one message per room while they reconnect to B`);
    console.log('| connect all to A | all reconnected to B | all synced (got the missed message) | duplicates | losses |');
    console.log('|---|---|---|---|---|');
    console.log(`| ${r.connectMs} ms | ${r.reconnectedMs} ms | ${r.syncedMs} ms | ${r.duplicates} | ${r.losses} |`);
  }
  if (want('sockjs')) {
    const rows = await sockJsSuite(quick);
    results['sockjs'] = rows;
    console.log('\n## SockJS transports: 20 rooms × 2 clients, open loop at 200 msg/s, one gateway; CPU of gateway, worker, Redis and PostgreSQL');
    console.log('| transport | delivered msg/s | send→deliver p50 / p99 ms | CPU µs per message | × WebSocket | errors |');
    console.log('|---|---|---|---|---|---|');
    const ws = rows[0]!;
    for (const r of rows)
      console.log(
        `| ${r.transport} | ${f(r.delivered, 0)} | ${ms(r.p50)} / ${ms(r.p99)} | ${f(r.cpuUsPerMsg, 0)} | ${f(r.cpuUsPerMsg / ws.cpuUsPerMsg, 2)}× | ${r.errors} |`,
      );
  }
  if (want('data-office')) {
    const rows = await dataOfficeSuite(quick);
    results['data-office'] = rows;
    console.log("\n## data office: retention purge, erasure and export at scale (the workers' code, in the bench process)");
    console.log('| run | time | rate | RSS before → peak MiB |');
    console.log('|---|---|---|---|');
    for (const r of rows)
      console.log(
        `| ${r.what} | ${f(r.seconds, 2)} s | ${f(r.rows / r.seconds, 0)} ${r.unit}/s (${r.rows}) | ${f(r.startRssMiB, 0)} → ${f(r.peakRssMiB, 0)} |`,
      );
  }
  if (want('soak')) {
    const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    const r = await soakSuite(quick, { rooms: num(values['soak-rooms']), rate: num(values['soak-rate']), minutes: num(values['soak-minutes']) });
    results['soak'] = r;
    const mins = (r.windows.at(-1)?.atSec ?? 0) / 60;
    console.log(
      `\n## soak: ${f(mins, 1)} min open loop at ${f(r.offered, 0)} msg/s offered (closed-loop maximum ${f(r.maxMsgsPerSec, 0)}), ${r.rooms} rooms × 2, backups every ${r.backupIntervalMs / 1000} s, default cycles`,
    );
    console.log('| at s | delivered msg/s | p50 / p99 / p999 ms | gateway RSS MiB | worker RSS MiB | Redis used MiB |');
    console.log('|---|---|---|---|---|---|');
    for (const w of r.windows)
      console.log(
        `| ${f(w.atSec, 0)} | ${f(w.delivered, 0)} | ${ms(w.p50)} / ${ms(w.p99)} / ${ms(w.p999)} | ${f(w.gatewayRssMiB, 0)} | ${f(w.workerRssMiB, 0)} | ${f(w.redisUsedMiB, 0)} |`,
      );
    const worst = Math.max(...r.windows.map((w) => w.p99));
    console.log(
      `worst window p99 ${ms(worst)} ms (target ≤ 10 ms); error log lines: ${r.errorLines}; stored in PostgreSQL: ${r.stored}; hot-log entries left in Redis: ${r.hotLogEntries} (≤ ${r.rooms} × the hot tail)`,
    );
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
