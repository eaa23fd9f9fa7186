import type { Knex } from 'knex';

export const name = '003-scan-indexes';

// Backup cycles page open rooms by id; the cleanup looks for completed rooms whose archive is missing.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('CONSULTATION_REQUEST_TBL', (t) => {
    t.index(['status', 'request_idx'], 'consultation_status_id_idx');
    t.index(['status', 'ended_at'], 'consultation_status_ended_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('CONSULTATION_REQUEST_TBL', (t) => {
    t.dropIndex(['status', 'request_idx'], 'consultation_status_id_idx');
    t.dropIndex(['status', 'ended_at'], 'consultation_status_ended_idx');
  });
}
