import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { LoadConfig } from '../load/chat-load';
import { LatencyHistogram } from './latency-histogram';

export interface LoadResult {
  clients: number;
  connectMs: number;
  msgsPerSec: number;
  hist: LatencyHistogram;
  /** send→RECEIPT (STOMP path only). */
  receiptHist: LatencyHistogram;
  loadCpuPercent: number;
  errors: number;
}

const LOADER = path.join(__dirname, '..', 'load', 'chat-load.ts');
const CONFIG_DIR = mkdtempSync(path.join(os.tmpdir(), 'oh-load-'));
let configCounter = 0;

/** Writes a generator's config to a file (rooms and tokens are too large for argv). */
function configFile(cfg: LoadConfig): string {
  const file = path.join(CONFIG_DIR, `load-${++configCounter}.json`);
  writeFileSync(file, JSON.stringify(cfg));
  return file;
}

/** Runs the load in `processes` generator processes (rooms split between them) and merges their results. */
export async function runLoad(config: Omit<LoadConfig, 'rooms' | 'localAddresses'>, rooms: LoadConfig['rooms'], processes: number): Promise<LoadResult> {
  const slices = Array.from({ length: processes }, (_, i) => rooms.filter((_, j) => j % processes === i)).filter((s) => s.length);
  const results = await Promise.all(
    slices.map(
      (slice, i) =>
        new Promise<Record<string, any>>((resolve, reject) => {
          const cfg: LoadConfig = { ...config, rooms: slice, localAddresses: [`127.0.0.${2 + i}`, `127.0.1.${2 + i}`] };
          const child = spawn(process.execPath, ['--import', 'tsx', LOADER, configFile(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
          let last: Record<string, any> | undefined;
          readline.createInterface({ input: child.stdout! }).on('line', (line) => {
            try {
              last = JSON.parse(line) as Record<string, any>;
            } catch {
              /* not ours */
            }
          });
          child.on('exit', () => (last && !last['error'] ? resolve(last) : reject(new Error(`load generator failed: ${JSON.stringify(last)}`))));
        }),
    ),
  );
  const hist = new LatencyHistogram();
  const receiptHist = new LatencyHistogram();
  let delivered = 0;
  let cpu = 0;
  let measuredMs = 0;
  for (const r of results) {
    hist.merge(r['hist']);
    receiptHist.merge(r['receiptHist']);
    delivered += r['deliveredMeasured'];
    cpu += r['cpuSeconds'];
    measuredMs = Math.max(measuredMs, r['measuredMs']);
  }
  return {
    clients: results.reduce((n, r) => n + r['clients'], 0),
    connectMs: Math.max(...results.map((r) => r['connectMs'])),
    msgsPerSec: delivered / (measuredMs / 1000),
    hist,
    receiptHist,
    loadCpuPercent: (cpu / ((config.warmupMs + config.durationMs) / 1000)) * 100,
    errors: results.reduce((n, r) => n + r['errors'], 0),
  };
}

/** Opens idle connections in generator processes and keeps them open until `release()`. */
export async function holdIdle(
  config: Pick<LoadConfig, 'kind' | 'port'>,
  rooms: LoadConfig['rooms'],
  processes: number,
): Promise<{ clients: number; connectMs: number; release(): Promise<void> }> {
  const slices = Array.from({ length: processes }, (_, i) => rooms.filter((_, j) => j % processes === i)).filter((s) => s.length);
  const children = slices.map((slice, i) => {
    const cfg: LoadConfig = {
      ...config,
      mode: 'idle',
      window: 0,
      ratePerClient: 0,
      warmupMs: 0,
      durationMs: 0,
      rooms: slice,
      localAddresses: [`127.0.${i}.2`, `127.0.${i}.3`, `127.0.${i}.4`],
    };
    return spawn(process.execPath, ['--import', 'tsx', LOADER, configFile(cfg)], { stdio: ['pipe', 'pipe', 'inherit'] });
  });
  const ready = await Promise.all(
    children.map(
      (child) =>
        new Promise<Record<string, any>>((resolve, reject) => {
          readline.createInterface({ input: child.stdout! }).on('line', (line) => {
            const msg = JSON.parse(line) as Record<string, any>;
            if (msg['ready']) resolve(msg);
            else reject(new Error(`idle generator failed: ${line}`));
          });
          child.on('exit', (code) => reject(new Error(`idle generator exited ${code}`)));
        }),
    ),
  );
  return {
    clients: ready.reduce((n, r) => n + r['clients'], 0),
    connectMs: Math.max(...ready.map((r) => r['connectMs'])),
    async release() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              c.once('exit', () => resolve());
              c.stdin!.end();
            }),
        ),
      );
    },
  };
}
