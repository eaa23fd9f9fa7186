import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { approvedRoom } from './support/approved-room';
import { launchChromium } from './support/browser';
import { startGatewayProcess, type RoleProcess } from './support/child-process';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/round-robin-proxy';
import { startTestSystem, testEnv, type TestSystem } from './support/test-system';

/**
 * Headless Chromium with the browser bundles of sockjs-client and @stomp/stompjs, behind a proxy that refuses
 * WebSocket upgrades and alternates between two gateways: the browser falls back to an HTTP transport by itself
 * and the STOMP session works across both gateways.
 */
const modules = path.join(__dirname, '..', 'node_modules');
const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8">
<script src="/static/sockjs.min.js"></script><script src="/static/stomp.umd.min.js"></script></head><body><script>
window.runChat = (token, requestIdx) => new Promise((resolve, reject) => {
  const seen = [];
  let sock;
  const client = new StompJs.Client({
    webSocketFactory: () => (sock = new SockJS('/ws/chat')),
    connectHeaders: { Authorization: 'Bearer ' + token },
    reconnectDelay: 0,
  });
  client.onStompError = (f) => reject(new Error(f.headers.message));
  client.onConnect = async () => {
    client.subscribe('/user/queue/chat', (m) => seen.push(JSON.parse(m.body)));
    const receipts = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((ok) => {
        const receipt = 'r' + i;
        client.watchForReceipt(receipt, (f) => { receipts.push(f.headers.seq); ok(); });
        client.publish({ destination: '/app/chat.send', headers: { receipt }, body: JSON.stringify({ requestIdx, content: 'from chromium ' + i, clientMsgId: 'cr-' + i }) });
      });
    }
    const started = Date.now();
    while (seen.filter((e) => e.type === 'CHAT').length < 5 && Date.now() - started < 10000) await new Promise((r) => setTimeout(r, 20));
    resolve({ transport: sock.transport, receipts, contents: seen.filter((e) => e.type === 'CHAT').map((e) => e.content) });
    client.deactivate();
  };
  client.activate();
});
</script></body></html>`;

let sys: TestSystem;
let other: { proc: RoleProcess; port: number };
let proxy: RoundRobinProxy;
let browser: Browser;

beforeAll(async () => {
  sys = await startTestSystem();
  other = await startGatewayProcess({ ...process.env, ...testEnv({}, sys.config.databaseUrl, sys.config.redisPrefix) });
  proxy = await startRoundRobinProxy([sys.gateway.port, other.port], {
    '/static/page.html': { type: 'text/html; charset=utf-8', body: PAGE },
    '/static/sockjs.min.js': { type: 'application/javascript', body: readFileSync(path.join(modules, 'sockjs-client/dist/sockjs.min.js'), 'utf8') },
    '/static/stomp.umd.min.js': { type: 'application/javascript', body: readFileSync(path.join(modules, '@stomp/stompjs/bundles/stomp.umd.min.js'), 'utf8') },
  });
  await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await other?.proc.kill();
  await sys?.close();
});

it('a browser whose WebSocket upgrades are refused falls back and chats with receipts across two gateways', async () => {
  const id = await approvedRoom(sys, 's-chromium');
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${proxy.port}/static/page.html`);
  const result = (await page.evaluate(
    ([token, requestIdx]) => (globalThis as never as { runChat: (t: string, r: number) => Promise<unknown> }).runChat(token, requestIdx),
    [sys.token('s-chromium', 'STUDENT'), id] as const,
  )) as { transport: string; receipts: string[]; contents: string[] };
  expect(proxy.refusedUpgrades).toBeGreaterThan(0);
  expect(result.transport).not.toBe('websocket');
  expect(result.receipts.map(Number)).toEqual([1, 2, 3, 4, 5]);
  expect(result.contents).toEqual([0, 1, 2, 3, 4].map((i) => `from chromium ${i}`));
  expect([...proxy.hits.values()].some((byTarget) => byTarget.size === 2)).toBe(true);
  expect(errors).toEqual([]);
});
