import WebSocket from 'ws';
import { startTestSystem, type TestSystem } from './support/test-system';

/** ALLOWED_ORIGINS governs REST CORS (with preflight) and the Origin check on WebSocket upgrades. */
let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem({ ALLOWED_ORIGINS: 'https://app.example' });
});
afterAll(() => sys.close());

const upgrade = (origin: string | undefined) =>
  new Promise<number>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${sys.gateway.port}/ws/chat`, ['v12.stomp'], origin ? { origin } : {});
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => undefined);
  });

it('accepts WebSocket upgrades from an allowed origin or without one, refuses others', async () => {
  expect(await upgrade('https://app.example')).toBe(101);
  expect(await upgrade(undefined)).toBe(101);
  expect(await upgrade('https://evil.example')).toBe(403);
});

it('answers preflights for allowed origins only, and never reflects another origin', async () => {
  const ok = await sys.http('OPTIONS', '/api/consultation/active', { headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
  expect(ok.status).toBe(204);
  expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
  const evil = await sys.http('OPTIONS', '/api/consultation/active', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
  expect(evil.status).toBe(403);
  expect(evil.body.error.code).toBe('FORBIDDEN');
  const get = await sys.http('GET', '/healthz', { headers: { origin: 'https://evil.example' } });
  expect(get.headers.get('access-control-allow-origin')).toBeNull();
});
