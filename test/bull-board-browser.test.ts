import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser } from 'playwright-core';
import { startDashboards, type RunningDashboards } from '../dashboards/dashboard-app';
import { createLogger } from '../lib/logging/logger';
import { ALL_QUEUES } from '../lib/queues/queue-names';
import { launchChromium } from './support/browser';
import { startTestSystem, type TestSystem } from './support/test-system';

/** Headless Debian Chromium loads Bull Board with credentials; the screenshot goes to a temp dir, not the repo. */

let sys: TestSystem;
let dashboards: RunningDashboards;
let browser: Browser;
const shots = mkdtempSync(path.join(os.tmpdir(), 'oh-shots-'));

beforeAll(async () => {
  sys = await startTestSystem();
  dashboards = await startDashboards(sys.config, createLogger({ level: 'silent', role: 'test' }), 0);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await dashboards?.close();
  await sys?.close();
  rmSync(shots, { recursive: true, force: true });
});

it('shows every queue to an operator with credentials', async () => {
  const context = await browser.newContext({ httpCredentials: { username: 'admin', password: 'test-dashboard-password' } });
  const page = await context.newPage();
  const res = await page.goto(`http://127.0.0.1:${dashboards.port}/admin/queues`);
  expect(res?.status()).toBe(200);
  for (const q of ALL_QUEUES) await page.getByText(q, { exact: true }).first().waitFor({ timeout: 20_000 });
  const file = path.join(shots, 'bull-board.png');
  await page.screenshot({ path: file, fullPage: true });
  expect(statSync(file).size).toBeGreaterThan(10_000);
  await context.close();
}, 60_000);

it('refuses the page without credentials', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Headless Chromium turns a 401 with a Basic challenge into an auth error instead of a page.
  await expect(page.goto(`http://127.0.0.1:${dashboards.port}/admin/queues`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
  await context.close();
});
