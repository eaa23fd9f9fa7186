import type { Knex } from 'knex';

export const name = '006-data-office';

/**
 * Retention, legal hold, erasure and the audit trail (issue 25). The audit table is append-only: a trigger
 * refuses every UPDATE, and a DELETE unless the transaction set `oh.audit_prune` (only the audit retention
 * prune does, for rows past their own period).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('CONSULTATION_REQUEST_TBL', (t) => {
    t.boolean('legal_hold').notNullable().defaultTo(false);
    t.timestamp('purged_at', { useTz: true });
  });
  // The purge scan: ended, not yet purged, not held, oldest end first.
  await knex.raw(`CREATE INDEX consultation_retention_idx ON "CONSULTATION_REQUEST_TBL" ((coalesce(ended_at, updated_at)), request_idx)
    WHERE purged_at IS NULL AND NOT legal_hold AND status IN ('COMPLETED','REJECTED','CANCELED')`);
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('erased_at', { useTz: true });
  });
  await knex.schema.createTable('user_erasure', (t) => {
    t.string('user_id', 128).primary();
    // Set while the erasure runs (a resumed run reuses it), cleared at the end: no lasting link to the person.
    t.string('pseudonym_id', 128);
    t.string('pseudonym_name', 200);
    t.string('requested_by', 128).notNullable();
    t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
    t.jsonb('report');
  });
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // NULL: the system (auto-close, retention purge).
    t.string('actor_id', 128);
    t.string('action', 32).notNullable();
    t.string('target', 200).notNullable();
    t.string('request_id', 200);
    t.string('ip', 64);
    t.index(['at']);
    t.index(['actor_id', 'at']);
    t.index(['target', 'at']);
    t.index(['action', 'at']);
  });
  await knex.raw(`CREATE FUNCTION oh_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('oh.audit_prune', true) = 'on' THEN RETURN OLD; END IF;
      RAISE EXCEPTION 'audit_log is append-only';
    END $$`);
  await knex.raw(`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION oh_audit_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
  await knex.raw('DROP FUNCTION oh_audit_append_only()');
  await knex.schema.dropTable('user_erasure');
  await knex.schema.alterTable('users', (t) => t.dropColumn('erased_at'));
  await knex.raw('DROP INDEX consultation_retention_idx');
  await knex.schema.alterTable('CONSULTATION_REQUEST_TBL', (t) => {
    t.dropColumn('legal_hold');
    t.dropColumn('purged_at');
  });
}
