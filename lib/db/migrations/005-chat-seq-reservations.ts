import type { Knex } from 'knex';

export const name = '005-chat-seq-reservations';

/**
 * A durable high-water mark per room: Redis may hand out seqs only up to `reserved_upto`, and a rebuild
 * starts after it, so a seq given out by a Redis state that was later lost is never given out again.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('chat_seq_reservation', (t) => {
    t.bigInteger('request_idx').primary().references('CONSULTATION_REQUEST_TBL.request_idx');
    t.integer('reserved_upto').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('chat_seq_reservation');
}
