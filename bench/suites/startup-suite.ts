import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import ROLE_NODE_FLAGS from '../../lib/runtime/role-node-flags.json';
import { freePortRange } from '../../test/support/free-port';
import { startBenchSystem } from '../support/bench-system';
import { rssBytes } from '../support/process-stats';

const ROOT = path.resolve(__dirname, '..', '..');
const READY_WITHIN_MS = 60_000;

export interface StartupRow {
  role: string;
  from: 'source (tsx)' | 'build (dist/)';
  /** Spawn → the role's health URL answers 200. */
  readyMs: number;
  /** RSS 3 s after ready, idle. */
  idleRssMiB: number;
}

const ROLES = [
  { role: 'gateway', entry: 'gateway/main.ts', portVar: 'PORT', path: '/readyz' },
  { role: 'workers', entry: 'workers/main.ts', portVar: 'WORKER_METRICS_PORT', path: '/healthz' },
  { role: 'dashboards', entry: 'dashboards/main.ts', portVar: 'DASHBOARD_PORT', path: '/healthz' },
] as const;

const builtEntry = (entry: string) => path.join(ROOT, 'dist', entry.replace(/\.ts$/, '.js'));

/**
 * The build the build rows run: `npm run build` when dist/ lacks a role (a fresh clone). False, with a line
 * saying so, when the build fails: those rows are skipped rather than the suite.
 */
async function ensureBuild(say: (line: string) => void): Promise<boolean> {
  if (ROLES.every((r) => existsSync(builtEntry(r.entry)))) return true;
  say('startup: dist/ has no build; running `npm run build` for the build (dist/) rows');
  try {
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 64 * 2 ** 20 });
    return true;
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    say(`startup: npm run build failed (exit ${String(e.code)}); build (dist/) rows skipped\n${`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-2000)}`);
    return false;
  }
}

/** Polls the role's health URL until it answers 200; a child that exits first fails at once, with its output. */
async function waitReady(child: ChildProcess, output: () => string, url: string, label: string, started: number): Promise<void> {
  for (;;) {
    const ok = await fetch(url, { headers: { connection: 'close' } }).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ok) return;
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${label} exited (${String(child.exitCode ?? child.signalCode)}) before it was ready:\n${output()}`);
    if (Date.now() - started > READY_WITHIN_MS) throw new Error(`${label} not ready in ${READY_WITHIN_MS / 1000} s:\n${output()}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/**
 * Each role started from source (node --import tsx) and from the build, one at a time. The build is made
 * when missing (`say` tells), and its rows are skipped if it cannot be.
 */
export async function startupSuite(say: (line: string) => void): Promise<StartupRow[]> {
  const froms: StartupRow['from'][] = (await ensureBuild(say)) ? ['source (tsx)', 'build (dist/)'] : ['source (tsx)'];
  const sys = await startBenchSystem();
  const rows: StartupRow[] = [];
  try {
    for (const r of ROLES) {
      for (const from of froms) {
        const port = await freePortRange(1);
        const flags: string[] = (ROLE_NODE_FLAGS as Record<string, string[]>)[r.entry] ?? [];
        const args =
          from === 'build (dist/)' ? [...flags, '--enable-source-maps', builtEntry(r.entry)] : [...flags, '--import', 'tsx', path.join(ROOT, r.entry)];
        const started = Date.now();
        const child = spawn(process.execPath, args, {
          cwd: ROOT,
          env: { ...sys.env, HOST: '127.0.0.1', [r.portVar]: String(port), LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000));
        child.stdout.on('data', keep);
        child.stderr.on('data', keep);
        try {
          await waitReady(child, () => output, `http://127.0.0.1:${port}${r.path}`, `${r.role} from ${from}`, started);
          const readyMs = Date.now() - started;
          await new Promise((res) => setTimeout(res, 3000));
          rows.push({ role: r.role, from, readyMs, idleRssMiB: rssBytes(child.pid!) / 2 ** 20 });
        } finally {
          child.kill('SIGKILL');
        }
      }
    }
    return rows;
  } finally {
    await sys.close();
  }
}
