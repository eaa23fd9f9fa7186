import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './support/eventually';
import { freePortRange } from './support/free-port';
import { TestStompClient } from './support/stomp-test-client';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * Smoke test of the production layout: `npm run build`, then `pm2 start ecosystem.config.js` (the compiled
 * roles, no TypeScript loader) with two gateways sharing one port and two workers; chat through it while
 * `pm2 reload oh-gateway` restarts the gateways one by one; the console, the Lua scripts and the seal
 * worker are found from the build (a missing asset fails here).
 */
const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const PM2 = path.join(ROOT, 'node_modules', '.bin', 'pm2');

let sys: TestSystem;
let pm2Home: string;
let env: NodeJS.ProcessEnv;
let port: number;
let gatewayMetricsBase: number;

const pm2 = (...args: string[]) => run(PM2, args, { cwd: ROOT, env, timeout: 90_000 });
const sessionsOn = async (metricsPort: number) => {
  const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { connection: 'close' } }).then((r) => r.text());
  return Number(/^oh_gateway_sessions (\d+)/m.exec(text)?.[1] ?? -1);
};

beforeAll(async () => {
  await run('npm', ['run', 'build'], { cwd: ROOT, timeout: 120_000 });
  sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '100000', CHAT_SEND_BURST: '100000' }, {}, { s3: true });
  await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  pm2Home = mkdtempSync(path.join(os.tmpdir(), 'oh-pm2-'));
  port = await freePortRange(1);
  gatewayMetricsBase = await freePortRange(2);
  env = {
    ...process.env,
    ...sys.env,
    NODE_ENV: 'production',
    PM2_HOME: pm2Home,
    HOST: '127.0.0.1',
    PORT: String(port),
    GATEWAY_METRICS_PORT: String(gatewayMetricsBase),
    WORKER_METRICS_PORT: String(await freePortRange(2)),
    DASHBOARD_PORT: String(await freePortRange(1)),
    OH_GATEWAY_INSTANCES: '2',
    OH_WORKER_INSTANCES: '2',
    LOG_LEVEL: 'warn',
  };
  await pm2('start', 'ecosystem.config.js');
  await eventually(async () => (await sessionsOn(gatewayMetricsBase)) >= 0 && (await sessionsOn(gatewayMetricsBase + 1)) >= 0, 30_000, 'both gateways up');
}, 120_000);
afterAll(async () => {
  await pm2('kill').catch(() => undefined);
  rmSync(pm2Home, { recursive: true, force: true });
  await sys.close();
}, 60_000);

it('two gateways share one port, and a reload loses no receipted message', async () => {
  const studentToken = sys.token('s1', 'STUDENT');
  const r = await sys.http('POST', '/api/consultation/request', { token: studentToken, body: { professorId: 'p1', title: 'pm2', content: 'c' } });
  const id = r.body.requestIdx as number;
  await sys.http('POST', '/api/consultation/approve', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: id } });

  // Enough connections that the kernel spreads them over both gateways.
  const clients: TestStompClient[] = [];
  for (let i = 0; i < 12; i++) clients.push(await TestStompClient.connect(port, studentToken));
  expect(await sessionsOn(gatewayMetricsBase)).toBeGreaterThan(0);
  expect(await sessionsOn(gatewayMetricsBase + 1)).toBeGreaterThan(0);
  await Promise.all(clients.map((c) => c.close()));

  const receipted = new Map<string, number>();
  let n = 0;
  let reloading = true;
  const chatter = (async () => {
    while (reloading) {
      let c: TestStompClient;
      try {
        c = await TestStompClient.connect(port, studentToken);
      } catch {
        continue;
      }
      while (reloading && !c.closed) {
        const clientMsgId = `pm2-${n++}`;
        await c.send(id, clientMsgId, clientMsgId).then(
          (h) => void receipted.set(clientMsgId, Number(h['seq'])),
          () => undefined,
        );
      }
      await c.close();
    }
  })();
  await eventually(async () => receipted.size > 50, 20_000, 'chat before reload');
  await pm2('reload', 'oh-gateway');
  const afterReload = receipted.size;
  await eventually(async () => receipted.size > afterReload + 50, 30_000, 'chat after reload');
  reloading = false;
  await chatter;

  const rows = await eventually(
    async () => {
      const rs = await sys.db.knex('chat_message').where({ request_idx: id }).select('seq', 'client_msg_id');
      return rs.length >= Math.max(...receipted.values()) ? rs : undefined;
    },
    30_000,
    'receipted rows committed',
  );
  const bySeq = new Map(rows.map((x: { seq: number; client_msg_id: string }) => [x.seq, x.client_msg_id]));
  for (const [clientMsgId, seq] of receipted) expect(bySeq.get(seq)).toBe(clientMsgId);
  expect(receipted.size).toBeGreaterThan(100);

  // From the build: the console's static files, and an archive sealed by the workers' seal threads.
  const page = await fetch(`http://127.0.0.1:${port}/console/`, { headers: { connection: 'close' } });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<html');
  expect((await sys.http('POST', '/api/consultation/end', { token: studentToken, body: { requestIdx: id } })).status).toBe(200);
  const archive = await eventually(
    async () => {
      const a = await fetch(`http://127.0.0.1:${port}/api/chat/archive/download/${id}`, {
        headers: { connection: 'close', authorization: `Bearer ${studentToken}` },
      });
      return a.status === 200 ? a.text() : undefined;
    },
    30_000,
    'archive sealed by the built workers',
  );
  expect(archive).toContain('pm2-0');
}, 120_000);
