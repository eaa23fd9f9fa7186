import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePortRange } from './free-port';

/**
 * A redis-server of the test's own on a free port (never the machine's shared one), so a fault test can
 * shut it down, kill it and start it again on the same port.
 */
export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** A plain client for the test's own inspection and fault injection. */
  readonly client: Redis;
  /** SHUTDOWN NOSAVE (everything in memory is gone), then waits for the process to exit. */
  shutdownNoSave(): Promise<void>;
  /** Starts the server again on the same port (empty: it keeps nothing on disk). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A `redis-server` on 127.0.0.1 without persistence; resolves once it accepts connections. */
export function spawnRedisServer(port: number, dir: string, extraArgs: readonly string[] = []): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--maxmemory-policy',
    'noeviction',
    ...extraArgs,
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.resume();
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)));
  });
}

export const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePortRange(1);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oh-redis-'));
  let server = await spawnRedisServer(port, dir);
  const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null, lazyConnect: false });
  client.on('error', () => undefined);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    client,
    async shutdownNoSave() {
      // A one-off connection that never retries: a retried SHUTDOWN would stop the next server too.
      const once = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
      once.on('error', () => undefined);
      void once.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      await exited(server);
      once.disconnect();
    },
    async start() {
      server = await spawnRedisServer(port, dir);
      await client.ping();
    },
    async close() {
      client.disconnect();
      server.kill('SIGKILL');
      await exited(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
