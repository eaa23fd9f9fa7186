import type { Knex } from 'knex';

export const name = '004-push';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('device_token', (t) => {
    // A token belongs to one device, hence to its newest owner.
    t.string('token', 4096).primary();
    t.string('user_id', 128).notNullable().references('users.id');
    t.string('platform', 16).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id']);
  });
  await knex.schema.createTable('notification_log', (t) => {
    t.bigIncrements('id').primary();
    t.string('kind', 32).notNullable();
    t.string('user_id', 128).notNullable();
    t.bigInteger('request_idx');
    t.string('token', 4096);
    t.string('status', 16).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.string('fcm_message_id', 256);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id', 'created_at']);
    t.index(['status', 'created_at']);
    t.index(['request_idx']);
  });
  await knex.raw(
    `ALTER TABLE notification_log ADD CONSTRAINT notification_status_check CHECK (status IN ('PENDING','SENT','RETRYING','FAILED','SKIPPED','INVALID_TOKEN'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notification_log');
  await knex.schema.dropTable('device_token');
}
