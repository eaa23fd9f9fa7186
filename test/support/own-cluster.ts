import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePortRange } from './free-port';
import { exited, spawnRedisServer } from './own-redis';

const run = promisify(execFile);

/**
 * A Redis Cluster of the test's own: 3 masters + 3 replicas, each a `redis-server` on a free port (bus ports
 * free too), created with `redis-cli --cluster create`, with a short node timeout so a killed master's
 * replica takes over in about a second. Never touches the machine's shared Redis.
 */
export interface OwnCluster {
  /** `host:port,…` of every node: the value of REDIS_CLUSTER_NODES. */
  readonly seeds: string;
  readonly ports: readonly number[];
  /** Process ids of the live nodes (CPU accounting in the benchmarks). */
  pids(): number[];
  /** Moves `slot` (and its keys) to another master, as `redis-cli --cluster reshard` does; returns the ports. */
  moveSlot(slot: number): Promise<{ from: number; to: number }>;
  /** SIGKILLs the master that serves `slot`; resolves once a replica serves it and the cluster state is ok. */
  killMasterOf(slot: number): Promise<{ killedPort: number; promotedPort: number }>;
  close(): Promise<void>;
}

const NODES = 6;
const NODE_TIMEOUT_MS = 1000;

function spawnNode(port: number, busPort: number, dir: string): Promise<ChildProcess> {
  return spawnRedisServer(port, dir, [
    '--cluster-enabled',
    'yes',
    '--cluster-port',
    String(busPort),
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    String(NODE_TIMEOUT_MS),
    // Replicas sync at once (no 5 s wait for more replicas) and may take over however stale, so a failover
    // right after creation is not refused as "disconnected from master for longer than allowed".
    '--repl-diskless-sync',
    'yes',
    '--repl-diskless-sync-delay',
    '0',
    '--cluster-replica-validity-factor',
    '0',
  ]);
}

async function nodeSays(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 5000 });
  return stdout;
}

/** Polls until `check` holds (cluster gossip has no event to await from outside). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`cluster: timed out waiting for ${what}`);
}

/** Port of the master serving `slot`, as `port` sees the cluster. */
async function masterOf(port: number, slot: number): Promise<number | undefined> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const ranges = (await client.cluster('SLOTS')) as unknown as [number, number, [string, number, string]][];
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    return range?.[2][1];
  } finally {
    client.disconnect();
  }
}

export async function startOwnCluster(): Promise<OwnCluster> {
  const base = await freePortRange(NODES);
  let busBase = await freePortRange(NODES);
  while (Math.abs(busBase - base) < NODES) busBase = await freePortRange(NODES);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oh-cluster-'));
  const ports = Array.from({ length: NODES }, (_, i) => base + i);
  const servers = new Map<number, ChildProcess>();
  const nodes = await Promise.all(ports.map((p, i) => spawnNode(p, busBase + i, dir)));
  ports.forEach((p, i) => servers.set(p, nodes[i]!));
  try {
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    // Every node must agree the cluster is whole before clients ask it for slots.
    for (const p of ports) await until(async () => (await nodeSays(p, 'cluster', 'info')).includes('cluster_state:ok'), `node ${p} to see cluster_state ok`);
    // And every replica has its master's data stream (else a failover could only lose everything).
    for (const p of ports) {
      await until(async () => {
        const info = await nodeSays(p, 'info', 'replication');
        return info.includes('role:master') || info.includes('master_link_status:up');
      }, `node ${p} to replicate`);
    }
  } catch (err) {
    for (const s of servers.values()) s.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const alive = () => ports.filter((p) => servers.get(p)!.exitCode === null && servers.get(p)!.signalCode === null);
  return {
    seeds: ports.map((p) => `127.0.0.1:${p}`).join(','),
    ports,
    pids: () => alive().map((p) => servers.get(p)!.pid!),
    async moveSlot(slot) {
      const from = (await masterOf(alive()[0]!, slot))!;
      const masters = new Set<number>();
      for (const p of alive()) if ((await nodeSays(p, 'role')).startsWith('master')) masters.add(p);
      const to = [...masters].find((p) => p !== from)!;
      const id = async (p: number) => (await nodeSays(p, 'cluster', 'myid')).trim();
      const [fromId, toId] = [await id(from), await id(to)];
      await nodeSays(to, 'cluster', 'setslot', String(slot), 'importing', fromId);
      await nodeSays(from, 'cluster', 'setslot', String(slot), 'migrating', toId);
      for (;;) {
        const keys = (await nodeSays(from, 'cluster', 'getkeysinslot', String(slot), '100')).split('\n').filter(Boolean);
        if (keys.length === 0) break;
        await nodeSays(from, 'migrate', '127.0.0.1', String(to), '', '0', '5000', 'KEYS', ...keys);
      }
      // The new owner first, then the old one, then everyone else (what redis-cli does).
      for (const p of [to, from, ...[...masters].filter((m) => m !== to && m !== from)]) await nodeSays(p, 'cluster', 'setslot', String(slot), 'node', toId);
      await until(async () => (await masterOf(from, slot)) === to && (await masterOf(alive()[0]!, slot)) === to, `slot ${slot} owned by ${to}`);
      return { from, to };
    },
    async killMasterOf(slot) {
      const killedPort = (await masterOf(alive()[0]!, slot))!;
      const server = servers.get(killedPort)!;
      server.kill('SIGKILL');
      await exited(server);
      let promotedPort = killedPort;
      await until(async () => {
        const survivor = alive()[0]!;
        const m = await masterOf(survivor, slot);
        if (m === undefined || m === killedPort) return false;
        promotedPort = m;
        return (await nodeSays(m, 'cluster', 'info')).includes('cluster_state:ok');
      }, `a replica to take over slot ${slot}`);
      return { killedPort, promotedPort };
    },
    async close() {
      await Promise.all(
        [...servers.values()].map(async (s) => {
          s.kill('SIGKILL');
          await exited(s);
        }),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
