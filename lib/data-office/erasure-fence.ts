import type { Knex } from 'knex';
import { preparedQuery } from '../db/prepared-query';
import { forbidden } from '../errors/app-error';

const ERASURE_UNDER_WAY = {
  name: 'oh-erasure-under-way',
  text: 'SELECT 1 FROM user_erasure WHERE user_id = $1 AND completed_at IS NULL',
};

/**
 * From the moment a person's erasure is accepted until it completes, their consultations still name them
 * in PostgreSQL (each is moved to the pseudonym in turn), so every way in re-checks here, fresh (a cache
 * could answer before the gateway heard of the erasure): REST authentication, STOMP CONNECT, chat.sync.
 * Once done, the rows name the pseudonym and the person, if they come back, starts with no history.
 */
export class ErasureFence {
  constructor(private readonly knex: Knex) {}

  /** Throws FORBIDDEN while `userId`'s erasure is under way. */
  async assertNotUnderErasure(userId: string): Promise<void> {
    const rows = await preparedQuery(this.knex, ERASURE_UNDER_WAY, [userId]);
    if (rows.length > 0) throw forbidden('this account is being erased');
  }
}
