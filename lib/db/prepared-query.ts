import type { Knex } from 'knex';

/** What node-postgres needs to run a named (server-side prepared) statement. */
export interface PreparedStatement {
  /** Unique per SQL text: PostgreSQL keeps one plan per name and connection. */
  readonly name: string;
  readonly text: string;
}

interface PgConnection {
  query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Runs a named statement on a connection of knex's pool: each connection parses and plans it once, later
 * calls only bind and execute. For the hot read endpoints, where planning a three-table join cost more than
 * running it, and knex's query building more than both. A plan is tied to the table shapes it was prepared
 * on: migrations run before any role opens its pool.
 */
export async function preparedQuery(knex: Knex, statement: PreparedStatement, values: unknown[]): Promise<Record<string, unknown>[]> {
  const client = knex.client as { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<void> };
  const conn = await client.acquireConnection();
  try {
    return (await conn.query({ name: statement.name, text: statement.text, values })).rows;
  } finally {
    await client.releaseConnection(conn);
  }
}
