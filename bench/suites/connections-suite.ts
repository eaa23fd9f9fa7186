import { startGateway } from '../../gateway/gateway-server';
import { loadConfig } from '../../lib/config/config';
import { createLogger } from '../../lib/logging/logger';
import { buildCoreServices } from '../../lib/runtime/core-services';
import { startBenchSystem } from '../support/bench-system';
import { holdIdle } from '../support/load-runner';
import { rssBytes } from '../support/process-stats';
import { startServer } from '../support/servers';

export interface ConnectionsRow {
  server: string;
  sessions: number;
  rssPerSessionBytes: number;
  /** Heap retained per session after a full GC (in-process measurement only). */
  heapPerSessionBytes?: number;
  connectPerSec: number;
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();

/**
 * The gateway in this process (run with --expose-gc), so a full GC can run before reading memory:
 * what a session really retains, without the heap headroom a connect storm leaves in RSS.
 */
async function retainedInProcess(env: NodeJS.ProcessEnv, rooms: Parameters<typeof holdIdle>[1], processes: number): Promise<ConnectionsRow> {
  const log = createLogger({ level: 'silent', role: 'bench' });
  const core = buildCoreServices(loadConfig(env).config, 'bench-gateway', log);
  const gateway = await startGateway({ core, log }, '127.0.0.1', 0);
  try {
    gc();
    gc();
    const m0 = process.memoryUsage();
    const held = await holdIdle({ kind: 'stomp', port: gateway.port }, rooms, processes);
    await new Promise((r) => setTimeout(r, 2000));
    gc();
    gc();
    const m1 = process.memoryUsage();
    await held.release();
    return {
      server: 'full path, retained after GC (in-process)',
      sessions: held.clients,
      rssPerSessionBytes: (m1.rss - m0.rss) / held.clients,
      heapPerSessionBytes: (m1.heapUsed - m0.heapUsed) / held.clients,
      connectPerSec: held.clients / (held.connectMs / 1000),
    };
  } finally {
    await gateway.close();
    await core.close();
  }
}

/** N idle authenticated STOMP sessions on one gateway vs N idle sockets on the raw uWS relay. */
export async function connectionsSuite(quick: boolean): Promise<ConnectionsRow[]> {
  // One process holds at most ~19,900 sockets here (20,000 open files, hard limit).
  const sessions = quick ? 1000 : 19_000;
  const processes = quick ? 1 : 3;
  const sys = await startBenchSystem();
  const rows: ConnectionsRow[] = [];
  try {
    const rooms = await sys.seedRooms(sessions / 2);
    for (const [server, entry, kind] of [
      ['full path (STOMP, authenticated)', 'gateway/main.ts', 'stomp'],
      ['raw uWS relay', 'bench/baselines/raw-uws-relay.ts', 'raw'],
    ] as const) {
      const s = await startServer(entry, sys.env, kind === 'raw' ? ['0'] : []);
      try {
        await new Promise((r) => setTimeout(r, 500));
        const before = rssBytes(s.pid);
        const held = await holdIdle({ kind, port: s.port }, rooms, processes);
        // Let allocation settle (and the GC run) before reading the resident size.
        await new Promise((r) => setTimeout(r, quick ? 1000 : 3000));
        const after = rssBytes(s.pid);
        rows.push({
          server,
          sessions: held.clients,
          rssPerSessionBytes: (after - before) / held.clients,
          connectPerSec: held.clients / (held.connectMs / 1000),
        });
        await held.release();
      } finally {
        await s.proc.kill('SIGKILL');
      }
    }
    if ((globalThis as { gc?: unknown }).gc) rows.push(await retainedInProcess(sys.env, rooms, processes));
    return rows;
  } finally {
    await sys.close();
  }
}
