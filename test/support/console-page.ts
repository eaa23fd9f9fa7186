import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

/** A console page signed in as one person, with what the tests watch: page errors and WebSockets opened. */
export interface ConsolePage {
  readonly page: Page;
  readonly errors: string[];
  /** URLs of every WebSocket the page opened, in order. */
  readonly sockets: string[];
  /** How each WebSocket ended and the ERROR frames it got: why the page opened another. */
  readonly socketEnds: string[];
}

export async function openConsole(
  browser: Browser,
  baseUrl: string,
  token: string,
  options: { locale?: string; width?: number; height?: number; waitConnected?: boolean } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({ locale: options.locale ?? 'en-US', viewport: { width: options.width ?? 1100, height: options.height ?? 720 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const sockets: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  const socketEnds: string[] = [];
  page.on('websocket', (ws) => {
    sockets.push(ws.url());
    const n = sockets.length;
    ws.on('framereceived', (f) => {
      if (String(f.payload).startsWith('ERROR')) socketEnds.push(`socket ${n} ERROR at ${new Date().toISOString()}: ${String(f.payload).slice(0, 300)}`);
    });
    ws.on('close', () => socketEnds.push(`socket ${n} closed at ${new Date().toISOString()}`));
    ws.on('socketerror', (e) => socketEnds.push(`socket ${n} error: ${e}`));
  });
  await page.goto(`${baseUrl}/console/#token=${token}`);
  if (options.waitConnected !== false) await page.locator('#connection[data-state="connected"]').waitFor();
  return { page, errors, sockets, socketEnds };
}

/** The room's button in the list. */
export const roomButton = (page: Page, requestIdx: number) => page.locator(`#rooms button[data-request-idx="${requestIdx}"]`);

export async function roomIdxByTitle(page: Page, title: string): Promise<number> {
  const button = page.locator('#rooms button', { hasText: title }).first();
  await button.waitFor();
  return Number(await button.getAttribute('data-request-idx'));
}

/**
 * Screenshots for docs/ (`docs/console-<lang>-<name>.png`), only when CONSOLE_SCREENSHOTS=1: the tests make
 * them on request, so an ordinary run leaves the committed images alone.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env['CONSOLE_SCREENSHOTS'] !== '1') return;
  await page.screenshot({ path: path.join(__dirname, '..', '..', 'docs', `console-${name}.png`) });
}
