/**
 * The `cluster` jest project runs the chat, persistence, archive, scheduler and push tests again against a
 * Redis Cluster of the run's own (jest.config.js). Its test files see this global set, and the seeds in the env.
 */
export const CLUSTER_MODE = 'OH_TEST_REDIS_CLUSTER';
export const CLUSTER_NODES_ENV = 'OH_TEST_CLUSTER_NODES';

/** REDIS_CLUSTER_NODES for this test file's system, or nothing (the machine's single Redis). */
export function redisModeEnv(): Record<string, string> {
  const clustered = (globalThis as Record<string, unknown>)[CLUSTER_MODE] === true;
  const seeds = process.env[CLUSTER_NODES_ENV];
  if (!clustered) return {};
  if (!seeds) throw new Error('cluster project without a cluster: global-setup did not start it');
  return { REDIS_CLUSTER_NODES: seeds };
}
