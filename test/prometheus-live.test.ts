import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startDashboards, type RunningDashboards } from '../dashboards/dashboard-app';
import { createLogger } from '../lib/logging/logger';
import { eventually } from './support/eventually';
import { promtool, startOwnPrometheus, type OwnPrometheus } from './support/own-prometheus';
import { driveSampleTraffic } from './support/sample-traffic';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * The monitoring files checked by a real Prometheus (Debian's `prometheus`, with `promtool`): the config and
 * rules are valid, every alert has a passing unit test, and against a live gateway, worker and dashboards
 * after traffic, every dashboard and alert expression evaluates and returns series.
 */
const ROOT = path.resolve(__dirname, '..');

let sys: TestSystem;
let dashboards: RunningDashboards;
let prom: OwnPrometheus;

beforeAll(async () => {
  sys = await startTestSystem({ CHAT_SEND_RATE_PER_SEC: '3', CHAT_SEND_BURST: '3' }, { metricsPort: 0 }, { workers: true });
  dashboards = await startDashboards(sys.config, createLogger({ level: 'silent', role: 'test' }), 0);
  prom = await startOwnPrometheus({
    'office-hours-gateway': [`127.0.0.1:${sys.gateway.metricsPort}`],
    'office-hours-workers': [`127.0.0.1:${sys.workers!.metricsPort}`],
    'office-hours-dashboards': [`127.0.0.1:${dashboards.port}`],
  });
  await driveSampleTraffic(sys);
  // rate() needs two samples of every role (Prometheus starts scraping a few seconds after it is ready).
  await eventually(
    async () => {
      const r = await prom.query('min(count_over_time(up[1m])) >= 2 and count(up == 1) == 3');
      return (r.data?.result.length ?? 0) > 0;
    },
    30_000,
    'two scrapes of every role',
  );
}, 60_000);
afterAll(async () => {
  await prom?.close();
  await dashboards?.close();
  await sys?.close();
});

describe('promtool', () => {
  it('checks the config and the rules', async () => {
    expect(await promtool('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS/);
    expect(await promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes the alert unit tests, which cover every alert', async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
    const alerts = (
      parseYaml(readFileSync(path.join(ROOT, 'dashboards/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string }[] }[] }
    ).groups.flatMap((g) => g.rules.map((r) => r.alert));
    const tested = readFileSync(path.join(ROOT, 'dashboards/prometheus/alerts.test.yml'), 'utf8');
    expect(alerts.filter((a) => !tested.includes(`alertname: ${a}\n`))).toEqual([]);
  });
});

describe('live Prometheus', () => {
  const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'dashboards/grafana/office-hours.json'), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const panelExprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
  const alertRules = (
    parseYaml(readFileSync(path.join(ROOT, 'dashboards/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }
  ).groups.flatMap((g) => g.rules);

  it('scrapes every role', async () => {
    const up = await prom.query('up');
    expect(up.data!.result).toHaveLength(3);
    for (const s of up.data!.result as { value: [number, string] }[]) expect(s.value[1]).toBe('1');
  });

  it.each(panelExprs)('dashboard expression evaluates with series: %s', async (expr) => {
    const r = await prom.query(expr);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('success');
    // Every counter is created at start with its label values, so even rare events have series.
    expect(r.data!.result.length).toBeGreaterThan(0);
  });

  it.each(alertRules.map((r) => [r.alert, r.expr]))('alert %s evaluates, and its series exist without the threshold', async (_alert, expr) => {
    const r = await prom.query(expr);
    expect(r.status).toBe('success');
    const series = expr.replace(/\s*(==|!=|>=|<=|>|<)\s*[\d.]+\s*$/, '');
    expect(series).not.toBe(expr);
    const s = await prom.query(series);
    expect(s.status).toBe('success');
    expect(s.data!.result.length).toBeGreaterThan(0);
  });
});
