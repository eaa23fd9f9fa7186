import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { connect, type OfficeHoursClient } from '../client/src';
import { approvedRoom } from './support/approved-room';
import { launchChromium } from './support/browser';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * The client README's two examples, run as written: only the addresses, the token source and the room id are
 * swapped for this test's. If the README changes so that an example no longer works, this fails.
 */
const ROOT = path.join(__dirname, '..');
const README = readFileSync(path.join(ROOT, 'client', 'README.md'), 'utf8');
let sys: TestSystem;
let browser: Browser | undefined;
let tokenServer: Server;
let tokenFor = '';
const dir = mkdtempSync(path.join(os.tmpdir(), 'oh-readme-'));
const peers: OfficeHoursClient[] = [];

beforeAll(async () => {
  sys = await startTestSystem();
  await sys.core.users.upsert({ id: 'p1', name: 'p1', role: 'PROFESSOR' });
  // The "identity provider" the Node example asks for its token.
  tokenServer = createServer((req, res) => res.end(req.method === 'POST' ? tokenFor : ''));
  await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
}, 60_000);
afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  await browser?.close();
  await new Promise((r) => tokenServer?.close(r));
  await sys?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The fenced block of `lang` under the README heading `heading`. */
function example(heading: string, lang: string): string {
  const m = new RegExp(`## ${heading}\\n\\n\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!m) throw new Error(`client/README.md has no ${lang} example under "## ${heading}"`);
  return m[1]!;
}

/** `text` with every `from` replaced; fails when `from` is not there, so a drifted README is noticed. */
function swap(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`the README example no longer contains ${String(from)}`);
  return typeof from === 'string' ? text.split(from).join(to) : text.replace(new RegExp(from.source, 'g'), to);
}

/** A professor's client in this test, to talk to the example from the other side. */
async function professor(room: number): Promise<OfficeHoursClient> {
  const p = connect({
    url: `${sys.baseUrl.replace('http', 'ws')}/ws/chat`,
    getToken: () => sys.token('p1', 'PROFESSOR', { name: 'Prof. Lee Readme' }),
    rooms: [room],
  });
  peers.push(p);
  await p.ready;
  return p;
}

/** Installs the library as `@office-hours/client` (built as `npm run build:client` builds it) in the example's folder. */
async function installLibrary(): Promise<void> {
  const pkg = path.join(dir, 'node_modules', '@office-hours', 'client');
  mkdirSync(path.join(pkg, 'dist'), { recursive: true });
  writeFileSync(path.join(pkg, 'package.json'), readFileSync(path.join(ROOT, 'client', 'package.json')));
  await build({
    entryPoints: [path.join(ROOT, 'client', 'src', 'index.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    external: ['@stomp/stompjs', 'ws'],
    outfile: path.join(pkg, 'dist', 'index.mjs'),
  });
  mkdirSync(path.join(dir, 'node_modules', '@stomp'), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules', '@stomp', 'stompjs'), path.join(dir, 'node_modules', '@stomp', 'stompjs'));
  symlinkSync(path.join(ROOT, 'node_modules', 'ws'), path.join(dir, 'node_modules', 'ws'));
}

it('the Node example: reads history, follows, sends, marks read, and exits when the consultation ends', async () => {
  const room = await approvedRoom(sys, 's-readme-node');
  const prof = await professor(room);
  await prof.send(room, 'Before you joined');
  tokenFor = sys.token('s-readme-node', 'STUDENT');
  await installLibrary();
  let code = example('In Node', 'js');
  code = swap(code, "'wss://campus.example/ws/chat'", `'${sys.baseUrl.replace('http', 'ws')}/ws/chat'`);
  code = swap(code, "'https://idp.example/token'", `'http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token'`);
  code = swap(code, /\b42\b/, String(room));
  writeFileSync(path.join(dir, 'example.mjs'), code);

  const child = spawn(process.execPath, ['example.mjs'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const stored = await new Promise<boolean>((resolve) => {
    const check = () => (/stored as seq \d+/.test(out) ? resolve(true) : undefined);
    child.stdout.on('data', check);
    void exited.then(() => resolve(false));
  });
  expect({ stored, err }).toEqual({ stored: true, err: '' });
  await sys.http('POST', '/api/consultation/end', { token: sys.token('p1', 'PROFESSOR'), body: { requestIdx: room } });
  expect(await exited).toBe(0);
  expect(out).toContain('1 Before you joined');
  expect(out).toContain('pending sends: 0');
  expect(out).toMatch(/#2 STUDENT: Hello from Node/);
  expect(out).toContain('stored as seq 2');
}, 60_000);

it('the browser example: the page requests a consultation, and chats in its room', async () => {
  // A fulfilled page counts as public to Chromium's local-network checks, which would block its 127.0.0.1 socket.
  browser = await launchChromium(['--disable-features=LocalNetworkAccessChecks']);
  const room = await approvedRoom(sys, 's-readme-web');
  // The professor the example finds by name ("Lee").
  await sys.core.users.upsert({ id: 'p1', name: 'Prof. Lee Readme', role: 'PROFESSOR' });
  const token = sys.token('s-readme-web', 'STUDENT');
  let html = example('In a browser', 'html');
  html = swap(html, 'wss://', 'ws://');
  html = swap(html, /\b42\b/, String(room));
  // What the example leaves to the page: its form, and what it does with events.
  const page = await (await browser.newContext()).newPage();
  const origin = sys.baseUrl;
  await page.route(`${origin}/my-session/token`, (r) => r.fulfill({ body: token }));
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // The page as an app would serve it, on the gateway's origin (fulfilled here, with no CSP of ours).
  await page.route(`${origin}/readme.html`, (r) =>
    r.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><form id="form"><input id="input"></form>
<script>window.rendered = []; function render(room, sender, content) { rendered.push(content); }
function showTyping() {} function signInAgain() {}</script>${html}`,
    }),
  );
  await page.goto(`${origin}/readme.html`);
  const prof = await professor(room);
  await prof.send(room, 'Hello student');
  await page.waitForFunction(() => (globalThis as unknown as { rendered: string[] }).rendered.includes('Hello student'));
  await page.fill('#input', 'Hello professor');
  await page.press('#input', 'Enter');
  await page.waitForFunction(() => (globalThis as unknown as { rendered: string[] }).rendered.includes('Hello professor'));
  await expect(page.inputValue('#input')).resolves.toBe('');
  expect(problems).toEqual([]);
  const mine = await sys.http('GET', '/api/consultation/my-requests?size=50', { token });
  const titles = (mine.body.items as { title: string; professorId: string }[]).map((c) => c.title);
  expect(titles).toContain('Midterm');
}, 60_000);
