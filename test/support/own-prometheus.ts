import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePortRange } from './free-port';

export const PROMETHEUS_DIR = path.resolve(__dirname, '..', '..', 'dashboards', 'prometheus');
const run = promisify(execFile);

/** `promtool …`; resolves with its output, rejects with it on failure. */
export async function promtool(...args: string[]): Promise<string> {
  try {
    const r = await run('promtool', args, { cwd: PROMETHEUS_DIR, timeout: 60_000 });
    return r.stdout + r.stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed: ${e.stdout ?? ''}${e.stderr ?? e.message}`, { cause: err });
  }
}

/** A Prometheus server of the test's own: the project's alert rules, scraping the given targets every second. */
export interface OwnPrometheus {
  readonly url: string;
  query(expr: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }>;
  close(): Promise<void>;
}

export async function startOwnPrometheus(targets: Record<string, string[]>): Promise<OwnPrometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oh-prom-'));
  const port = await freePortRange(1);
  const config = [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    `rule_files: ['${path.join(PROMETHEUS_DIR, 'alerts.yml')}']`,
    'scrape_configs:',
    ...Object.entries(targets).map(([job, t]) => `  - { job_name: ${job}, static_configs: [{ targets: [${t.map((x) => `'${x}'`).join(', ')}] }] }`),
  ].join('\n');
  writeFileSync(path.join(dir, 'prometheus.yml'), config);
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`, { headers: { connection: 'close' } }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('prometheus did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, { headers: { connection: 'close' } });
      return (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
    },
    async close() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
