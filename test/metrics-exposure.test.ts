import { startTestSystem, type TestSystem } from './support/test-system';

/** In production /metrics is not public: only the internal metrics port, or the public one with METRICS_TOKEN. */
const systems: TestSystem[] = [];
afterAll(async () => {
  await Promise.all(systems.map((s) => s.close()));
});
const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers: { connection: 'close', ...headers } });

it('production without METRICS_TOKEN: 404 on the public port, served on GATEWAY_METRICS_PORT', async () => {
  const sys = await startTestSystem({ NODE_ENV: 'production' }, { metricsPort: 0 });
  systems.push(sys);
  const pub = await sys.http('GET', '/metrics');
  expect(pub.status).toBe(404);
  expect(pub.body.error.code).toBe('NOT_FOUND');
  const internal = await get(`http://127.0.0.1:${sys.gateway.metricsPort}/metrics`);
  expect(internal.status).toBe(200);
  expect(await internal.text()).toContain('oh_gateway_connections');
});

it('production with METRICS_TOKEN: the public port serves /metrics to that bearer only', async () => {
  const sys = await startTestSystem({ NODE_ENV: 'production', METRICS_TOKEN: 'scrape-secret' });
  systems.push(sys);
  expect((await sys.http('GET', '/metrics')).status).toBe(404);
  expect((await sys.http('GET', '/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(404);
  const ok = await sys.http('GET', '/metrics', { headers: { authorization: 'Bearer scrape-secret' } });
  expect(ok.status).toBe(200);
  expect(ok.body).toContain('oh_gateway_sessions');
});
