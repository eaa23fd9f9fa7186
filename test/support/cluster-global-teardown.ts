import globalTeardown from './global-teardown';
import type { OwnCluster } from './own-cluster';
import { CLUSTER_NODES_ENV } from './redis-mode';

/** Stops the run's Redis Cluster, then the shared teardown. */
export default async function clusterGlobalTeardown(): Promise<void> {
  const holder = globalThis as { ohTestCluster?: OwnCluster };
  await holder.ohTestCluster?.close();
  holder.ohTestCluster = undefined;
  delete process.env[CLUSTER_NODES_ENV];
  await globalTeardown();
}
