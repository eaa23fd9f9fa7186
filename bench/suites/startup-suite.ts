import { spawn } from 'node:child_process';
import path from 'node:path';
import ROLE_NODE_FLAGS from '../../lib/runtime/role-node-flags.json';
import { startBenchSystem } from '../support/bench-system';
import { rssBytes } from '../support/process-stats';

const ROOT = path.resolve(__dirname, '..', '..');

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

/** Each role started from source (node --import tsx) and from the build (npm run build first), one at a time. */
export async function startupSuite(): Promise<StartupRow[]> {
  const sys = await startBenchSystem();
  const rows: StartupRow[] = [];
  try {
    for (const r of ROLES) {
      for (const from of ['source (tsx)', 'build (dist/)'] as const) {
        const port = 19_000 + rows.length;
        const flags: string[] = (ROLE_NODE_FLAGS as Record<string, string[]>)[r.entry] ?? [];
        const args =
          from === 'build (dist/)'
            ? [...flags, '--enable-source-maps', path.join(ROOT, 'dist', r.entry.replace(/\.ts$/, '.js'))]
            : [...flags, '--import', 'tsx', path.join(ROOT, r.entry)];
        const started = Date.now();
        const child = spawn(process.execPath, args, {
          cwd: ROOT,
          env: { ...sys.env, HOST: '127.0.0.1', [r.portVar]: String(port), LOG_LEVEL: 'warn' },
          stdio: 'ignore',
        });
        try {
          for (;;) {
            const ok = await fetch(`http://127.0.0.1:${port}${r.path}`, { headers: { connection: 'close' } }).then(
              (res) => res.status === 200,
              () => false,
            );
            if (ok) break;
            if (Date.now() - started > 60_000) throw new Error(`${r.role} from ${from} not ready in 60 s`);
            await new Promise((res) => setTimeout(res, 20));
          }
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
