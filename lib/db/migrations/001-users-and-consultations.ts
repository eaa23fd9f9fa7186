import type { Knex } from 'knex';

export const name = '001-users-and-consultations';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.string('id', 128).primary();
    t.string('name', 200).notNullable();
    t.string('role', 16).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['role']);
  });

  // The seed keeps request and progress state in one table; the name is kept for its operators.
  await knex.schema.createTable('CONSULTATION_REQUEST_TBL', (t) => {
    t.bigIncrements('request_idx').primary();
    t.string('student_id', 128).notNullable().references('users.id');
    t.string('professor_id', 128).notNullable().references('users.id');
    t.string('title', 200).notNullable();
    t.text('content').notNullable();
    t.timestamp('desired_time', { useTz: true });
    t.timestamp('scheduled_time', { useTz: true });
    t.string('status', 16).notNullable();
    t.text('reject_reason');
    t.text('cancel_reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('approved_at', { useTz: true });
    t.timestamp('started_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.string('end_reason', 16);
    t.timestamp('last_activity_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_read_time_student', { useTz: true });
    t.timestamp('last_read_time_professor', { useTz: true });
    t.timestamp('archived_at', { useTz: true });
    t.timestamp('max_duration_warned_at', { useTz: true });
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    // List views: a participant's consultations by status, newest first.
    t.index(['student_id', 'status', 'created_at'], 'consultation_student_status_idx');
    t.index(['professor_id', 'status', 'created_at'], 'consultation_professor_status_idx');
    // Auto-close scans: idle (status + last activity) and long-running (status + started at).
    t.index(['status', 'last_activity_at'], 'consultation_status_activity_idx');
    t.index(['status', 'started_at'], 'consultation_status_started_idx');
  });
  await knex.raw(
    `ALTER TABLE "CONSULTATION_REQUEST_TBL" ADD CONSTRAINT consultation_status_check CHECK (status IN ('PENDING','SCHEDULED','IN_PROGRESS','COMPLETED','REJECTED','CANCELED'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('CONSULTATION_REQUEST_TBL');
  await knex.schema.dropTable('users');
}
