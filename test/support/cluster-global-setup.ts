import globalSetup from './global-setup';
import { startOwnCluster, type OwnCluster } from './own-cluster';
import { CLUSTER_NODES_ENV } from './redis-mode';

/**
 * The `cluster` project's setup (a file of its own: jest runs each distinct setup module once): the shared
 * template database, and the run's Redis Cluster, whose seeds its test files read (redis-mode.ts).
 */
export default async function clusterGlobalSetup(): Promise<void> {
  await globalSetup();
  if (process.env[CLUSTER_NODES_ENV]) return;
  const cluster = await startOwnCluster();
  (globalThis as { ohTestCluster?: OwnCluster }).ohTestCluster = cluster;
  process.env[CLUSTER_NODES_ENV] = cluster.seeds;
}
