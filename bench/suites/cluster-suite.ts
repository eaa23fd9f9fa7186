import { Redis } from 'ioredis';
import { startOwnCluster } from '../../test/support/own-cluster';
import { startBenchSystem, type BenchSystem } from '../support/bench-system';
import { startFullPath, type BenchServer } from '../support/servers';
import { measure, type ChatRow } from './chat-suite';

export interface ClusterSuiteResult {
  rooms: number;
  /** The same chat load on the single Redis, then on a local Redis Cluster; CPU includes every redis-server. */
  rows: (ChatRow & { redisProcesses: number })[];
}

/** The pid of the server behind a Redis URL (INFO server), for CPU accounting. */
async function redisPid(url: string): Promise<number> {
  const r = new Redis(url);
  try {
    return Number(/process_id:(\d+)/.exec(await r.info('server'))![1]);
  } finally {
    r.disconnect();
  }
}

/**
 * Issue 14: the chat path (default receipts) against the machine's single Redis and against a local Redis
 * Cluster (3 masters + 3 replicas, all on this box), side by side in one run. On 2 cores the cluster
 * cannot be faster: it adds processes, replication and per-node connections on the same CPUs. The figure
 * that matters for scaling out is the per-message cost, which docs/scaling.md turns into a capacity model.
 */
export async function clusterSuite(quick: boolean): Promise<ClusterSuiteResult> {
  const roomsCount = quick ? 50 : 100;
  const o = { warmupMs: quick ? 500 : 3000, durationMs: quick ? 1500 : 10_000, window: 4, processes: 2 };
  const cluster = await startOwnCluster();
  const systems: BenchSystem[] = [];
  const servers: BenchServer[] = [];
  try {
    const rows: ClusterSuiteResult['rows'] = [];
    const single = await startBenchSystem();
    systems.push(single);
    const clustered = await startBenchSystem({ REDIS_CLUSTER_NODES: cluster.seeds });
    systems.push(clustered);
    const runs: [string, BenchSystem, number[]][] = [
      ['single Redis', single, [await redisPid(single.config.redisUrl)]],
      ['Redis Cluster, 3 masters + 3 replicas', clustered, cluster.pids()],
    ];
    for (const [name, sys, redisPids] of runs) {
      const rooms = await sys.seedRooms(roomsCount);
      const { gateway, worker } = await startFullPath(sys.env);
      servers.push(gateway, worker);
      const row = await measure(name, 'stomp', gateway.port, [gateway.pid, worker.pid, ...redisPids], rooms, o);
      rows.push({ ...row, redisProcesses: redisPids.length });
      await gateway.proc.kill();
      await worker.proc.kill();
    }
    return { rooms: roomsCount, rows };
  } finally {
    await Promise.all(servers.map((s) => s.proc.kill('SIGKILL')));
    for (const s of systems) await s.close();
    await cluster.close();
  }
}
