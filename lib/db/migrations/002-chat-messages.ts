import type { Knex } from 'knex';

export const name = '002-chat-messages';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('chat_message', (t) => {
    t.bigInteger('request_idx').notNullable().references('CONSULTATION_REQUEST_TBL.request_idx');
    t.integer('seq').notNullable();
    t.string('message_id', 64).notNullable();
    t.string('sender_id', 128).notNullable();
    t.string('sender_role', 16).notNullable();
    t.text('content').notNullable();
    t.timestamp('sent_at', { useTz: true }).notNullable();
    t.string('client_msg_id', 128).notNullable();
    t.timestamp('persisted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['request_idx', 'seq']);
    // A sender's clientMsgId is stored once per room, whatever retries or replays happen.
    t.unique(['request_idx', 'sender_id', 'client_msg_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('chat_message');
}
