import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startDashboards, type RunningDashboards } from '../dashboards/dashboard-app';
import { createLogger } from '../lib/logging/logger';
import { ALL_QUEUES } from '../lib/queues/queue-names';
import { eventually } from './support/eventually';
import { driveSampleTraffic } from './support/sample-traffic';
import { startTestSystem, type TestSystem } from './support/test-system';

const GATEWAY_SERIES = [
  'oh_gateway_connections',
  'oh_gateway_sessions',
  'oh_gateway_frames_in_total',
  'oh_gateway_frames_out_total',
  'oh_gateway_messages_sent_total',
  'oh_gateway_messages_delivered_total',
  'oh_gateway_send_to_deliver_seconds_bucket',
  'oh_gateway_http_requests_total',
  'oh_gateway_http_request_duration_seconds_bucket',
  'oh_gateway_rate_limited_total',
  'oh_gateway_slow_consumer_disconnects_total',
  'oh_gateway_process_resident_memory_bytes',
];
const WORKER_SERIES = [
  'oh_queue_jobs',
  'oh_job_duration_seconds_bucket',
  'oh_persist_lag_seconds_bucket',
  'oh_persisted_messages_total',
  'oh_archives_total',
  'oh_backup_rooms_total',
  'oh_backup_cycle_seconds_bucket',
  'oh_auto_closed_total',
  'oh_cleanup_removed_total',
  'oh_push_notifications_total',
  'oh_worker_process_resident_memory_bytes',
];

let sys: TestSystem;
let dashboards: RunningDashboards;
let gatewayMetrics = '';
let workerMetrics = '';
const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers: { connection: 'close', ...headers } });

beforeAll(async () => {
  sys = await startTestSystem(
    { CHAT_SEND_RATE_PER_SEC: '3', CHAT_SEND_BURST: '3', BACKUP_INTERVAL_MS: '300', AUTO_CLOSE_SCAN_INTERVAL_MS: '300', CLEANUP_INTERVAL_MS: '300' },
    { metricsPort: 0 },
    { workers: true },
  );
  dashboards = await startDashboards(sys.config, createLogger({ level: 'silent', role: 'test' }), 0);
  await driveSampleTraffic(sys);
  await eventually(
    async () => {
      workerMetrics = await (await get(`http://127.0.0.1:${sys.workers!.metricsPort}/metrics`)).text();
      return WORKER_SERIES.every((s) => workerMetrics.includes(s)) ? true : undefined;
    },
    10_000,
    'worker series',
  );
  gatewayMetrics = await (await get(`${sys.baseUrl}/metrics`)).text();
}, 60_000);
afterAll(async () => {
  await dashboards.close();
  await sys.close();
});

describe('metrics', () => {
  it.each(GATEWAY_SERIES)('gateway /metrics has %s', (series) => {
    expect(gatewayMetrics).toMatch(new RegExp(`^${series}[{ ]`, 'm'));
  });
  it.each(WORKER_SERIES)('worker /metrics has %s', (series) => {
    expect(workerMetrics).toMatch(new RegExp(`^${series}[{ ]`, 'm'));
  });

  it('counts refused sends', () => {
    expect(gatewayMetrics).toMatch(/^oh_gateway_rate_limited_total\{kind="send"\} [1-9]/m);
  });

  it('labels stay bounded: no user or room ids', () => {
    expect(gatewayMetrics).not.toMatch(/requestIdx|userId|s1"|route="\/api\/consultation\/\d/);
    expect(gatewayMetrics).toMatch(/route="\/api\/consultation\/request"/);
  });

  it('every metric the Grafana dashboard and the alert rules use exists in live /metrics', () => {
    const dashboard = JSON.parse(readFileSync(path.join(__dirname, '../dashboards/grafana/office-hours.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const alerts = parseYaml(readFileSync(path.join(__dirname, '../dashboards/prometheus/alerts.yml'), 'utf8')) as {
      groups: { rules: { expr: string }[] }[];
    };
    const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr))];
    const names = new Set(exprs.flatMap((e) => e.match(/\boh_[a-z0-9_]+/g) ?? []));
    expect(names.size).toBeGreaterThan(15);
    const live = `${gatewayMetrics}\n${workerMetrics}`;
    const missing = [...names].filter((n) => !new RegExp(`^${n}[{ ]`, 'm').test(live));
    expect(missing).toEqual([]);
  });

  it('the per-instance gateway metrics port serves the same registry', async () => {
    const text = await (await get(`http://127.0.0.1:${sys.gateway.metricsPort}/metrics`)).text();
    expect(text).toMatch(/^oh_gateway_messages_sent_total [1-9]/m);
  });
});

describe('Bull Board', () => {
  const base = () => `http://127.0.0.1:${dashboards.port}/admin/queues`;
  const auth = { authorization: `Basic ${Buffer.from('admin:test-dashboard-password').toString('base64')}` };

  it('answers 401 without credentials, and with wrong ones', async () => {
    expect((await get(base())).status).toBe(401);
    expect((await get(base(), { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` })).status).toBe(401);
  });

  it('lists every queue with credentials', async () => {
    expect((await get(base(), auth)).status).toBe(200);
    const res = await get(`${base()}/api/queues`, auth);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual([...ALL_QUEUES].sort());
  });
});
