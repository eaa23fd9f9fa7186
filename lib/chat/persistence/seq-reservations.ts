import type { Knex } from 'knex';
import { preparedQuery } from '../../db/prepared-query';

const TABLE = 'chat_seq_reservation';

/** A lease extension runs every SEQ_LEASE_SIZE messages of every busy room: prepared once per connection. */
const EXTEND = {
  name: 'oh-seq-reservation-extend',
  text: `UPDATE ${TABLE} SET reserved_upto = $3, updated_at = now() WHERE request_idx = $1 AND reserved_upto = $2 RETURNING 1`,
};

/**
 * The durable seq high-water mark of each room (PostgreSQL). Redis assigns seqs only inside a lease this
 * table granted; a rebuild starts after the mark, so no seq is ever given to two messages.
 */
export class SeqReservations {
  constructor(private readonly knex: Knex) {}

  /**
   * Moves a room's mark from `expected` to `upto` (compare-and-set); false when the mark is not `expected`,
   * which means the asking Redis state is not the one that holds the newest lease.
   */
  async extend(requestIdx: number, expected: number, upto: number): Promise<boolean> {
    return (await preparedQuery(this.knex, EXTEND, [requestIdx, expected, upto])).length === 1;
  }

  /**
   * The room's mark, first raised to at least the highest stored seq and `floor` (so it is never behind
   * what was used), and the highest stored seq.
   */
  async highWater(requestIdx: number, floor = 0): Promise<{ hw: number; storedMax: number }> {
    const res = await this.knex.raw(
      `WITH stored AS (SELECT COALESCE(MAX(seq), 0) AS m FROM chat_message WHERE request_idx = ?)
       INSERT INTO ${TABLE} (request_idx, reserved_upto) SELECT ?, GREATEST(m, ?::int) FROM stored
       ON CONFLICT (request_idx) DO UPDATE SET reserved_upto = GREATEST(${TABLE}.reserved_upto, EXCLUDED.reserved_upto), updated_at = now()
       RETURNING reserved_upto, (SELECT m FROM stored) AS stored_max`,
      [requestIdx, requestIdx, floor],
    );
    const row = (res as { rows: { reserved_upto: number; stored_max: number }[] }).rows[0]!;
    return { hw: Number(row.reserved_upto), storedMax: Number(row.stored_max) };
  }

  /** One fresh seq past everything (re-homing a message whose seq turned out to be taken). */
  async takeOne(requestIdx: number): Promise<number> {
    await this.highWater(requestIdx);
    const [row] = await this.knex(TABLE).where({ request_idx: requestIdx }).increment('reserved_upto', 1).returning('reserved_upto');
    return Number((row as { reserved_upto: number }).reserved_upto);
  }

  /** Retention: the room's reservation goes with its messages. */
  async purgeRoom(requestIdx: number, trx: Knex.Transaction): Promise<void> {
    await trx(TABLE).where('request_idx', requestIdx).del();
  }
}
