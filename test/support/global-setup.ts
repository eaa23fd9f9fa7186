import { randomBytes } from 'node:crypto';
import type { Config } from 'jest';
import { createKnex } from '../../lib/db/knex-client';
import { migrateToLatest } from '../../lib/db/migration-source';
import { ensureTestPackages } from './debian-packages';
import { startOwnCluster } from './own-cluster';
import { adminQuery, databaseUrl } from './test-database';
import { CLUSTER_MODE, CLUSTER_NODES_ENV } from './redis-mode';

/**
 * Runs once per jest project. The first makes one migrated template database per run (each test file
 * clones it: CREATE DATABASE … TEMPLATE); the `cluster` project also starts the run's Redis Cluster, whose
 * seeds its test files read (see redis-mode.ts).
 */
export default async function globalSetup(_global: unknown, project: Config): Promise<void> {
  if (!process.env['OH_TEST_TEMPLATE_DB']) {
    ensureTestPackages();
    const template = `oh_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    await adminQuery(`CREATE DATABASE "${template}"`);
    const knex = createKnex(databaseUrl(template), { min: 0, max: 1 });
    try {
      await migrateToLatest(knex);
    } finally {
      await knex.destroy();
    }
    process.env['OH_TEST_TEMPLATE_DB'] = template;
  }
  if (project.globals?.[CLUSTER_MODE] === true && !process.env[CLUSTER_NODES_ENV]) {
    const cluster = await startOwnCluster();
    (globalThis as { ohTestCluster?: { close(): Promise<void> } }).ohTestCluster = cluster;
    process.env[CLUSTER_NODES_ENV] = cluster.seeds;
  }
}
