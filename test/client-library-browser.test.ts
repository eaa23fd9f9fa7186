import { type Browser, type Page } from 'playwright-core';
import { approvedRoom } from './support/approved-room';
import { launchChromium } from './support/browser';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * The client library in headless Chromium, loaded as the console loads it (the IIFE bundle served by the
 * gateway at /console/office-hours-client.js): history() over the page's own fetch, a refused token, and an
 * oversized send.
 */
let sys: TestSystem;
let browser: Browser;

beforeAll(async () => {
  sys = await startTestSystem();
  await sys.core.users.upsert({ id: 'p1', name: 'Prof. Lee', role: 'PROFESSOR' });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await sys?.close();
});

/** A page on the gateway's origin with the bundle loaded; every WebSocket the page opens is counted. */
async function pageWithLibrary(): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.addInitScript(() => {
    const Native = WebSocket;
    const w = globalThis as unknown as { sockets: number; WebSocket: unknown };
    w.sockets = 0;
    w.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        w.sockets++;
      }
    };
  });
  await page.goto(`${sys.baseUrl}/console/office-hours-client.js`);
  await page.addScriptTag({ url: '/console/office-hours-client.js' });
  return page;
}

it('history(), an oversized send and the next send, in a page', async () => {
  const id = await approvedRoom(sys, 's-page');
  const page = await pageWithLibrary();
  const result = await page.evaluate(
    async ({ token, id, host }) => {
      const OH = (globalThis as unknown as { OfficeHours: typeof import('../client/src') }).OfficeHours;
      const chat = OH.connect({ url: `ws://${host}/ws/chat`, getToken: () => token });
      await chat.ready;
      await chat.send(id, 'first');
      const oversized = await chat.send(id, '한'.repeat(25_000)).then(
        () => 'sent',
        (e: { code: string }) => e.code,
      );
      await chat.send(id, 'after');
      const history: string[] = [];
      for await (const p of chat.history(id)) history.push(...p.map((m) => m.content));
      const out = { oversized, history, state: chat.state, sockets: (globalThis as unknown as { sockets: number }).sockets };
      await chat.close();
      return out;
    },
    { token: sys.token('s-page', 'STUDENT'), id, host: new URL(sys.baseUrl).host },
  );
  expect(result).toEqual({ oversized: 'PAYLOAD_TOO_LARGE', history: ['first', 'after'], state: 'connected', sockets: 1 });
}, 60_000);

it('a bad token in a page: unauthenticated after at most two sockets', async () => {
  const page = await pageWithLibrary();
  const result = await page.evaluate(async (host) => {
    const OH = (globalThis as unknown as { OfficeHours: typeof import('../client/src') }).OfficeHours;
    const chat = OH.connect({ url: `ws://${host}/ws/chat`, getToken: () => 'not-a-jwt' });
    const code = await chat.ready.then(
      () => 'connected',
      (e: { code: string }) => e.code,
    );
    await new Promise((r) => setTimeout(r, 1500));
    return { code, state: chat.state, sockets: (globalThis as unknown as { sockets: number }).sockets };
  }, new URL(sys.baseUrl).host);
  expect(result).toEqual({ code: 'UNAUTHENTICATED', state: 'unauthenticated', sockets: 2 });
}, 60_000);

it.each([
  ['the browser comes back online', 'online'],
  ['the tab becomes visible again', 'visibilitychange'],
])(
  'reconnects at once when %s, not at the end of its backoff',
  async (_name, event) => {
    const page = await pageWithLibrary();
    const result = await page.evaluate(
      async ({ token, host, event }) => {
        const OH = (globalThis as unknown as { OfficeHours: typeof import('../client/src') }).OfficeHours;
        // A clock whose retry timers never fire: only the browser's event can bring the client back.
        const clock = { ...OH.systemClock, setTimeout: () => 0, clearTimeout: () => undefined };
        let attempts = 0;
        const chat = OH.connect({
          url: () => (attempts++ === 0 ? 'ws://127.0.0.1:1/ws/chat' : `ws://${host}/ws/chat`),
          getToken: () => token,
          clock,
        });
        const failure = await new Promise<{ reason?: string }>((r) => chat.once('connectError', r));
        const before = chat.state;
        const page = globalThis as unknown as { dispatchEvent(e: Event): void; document: { dispatchEvent(e: Event): void } };
        if (event === 'online') page.dispatchEvent(new Event('online'));
        else page.document.dispatchEvent(new Event('visibilitychange'));
        await chat.ready;
        const out = { reason: failure.reason, before, after: chat.state, attempts };
        await chat.close();
        return out;
      },
      { token: sys.token('s-wake', 'STUDENT'), host: new URL(sys.baseUrl).host, event },
    );
    expect(result).toEqual({ reason: 'unreachable', before: 'reconnecting', after: 'connected', attempts: 2 });
  },
  60_000,
);
