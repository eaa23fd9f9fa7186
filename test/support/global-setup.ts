import { randomBytes } from 'node:crypto';
import { createKnex } from '../../lib/db/knex-client';
import { migrateToLatest } from '../../lib/db/migration-source';
import { ensureTestPackages } from './debian-packages';
import { adminQuery, databaseUrl } from './test-database';

/**
 * Makes one migrated template database per run (each test file clones it: CREATE DATABASE … TEMPLATE).
 * Idempotent: the `cluster` project's setup calls it too (cluster-global-setup.ts).
 */
export default async function globalSetup(): Promise<void> {
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
}
