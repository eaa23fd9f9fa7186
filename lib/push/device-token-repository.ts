import type { Knex } from 'knex';
import { forbidden } from '../errors/app-error';

export type Platform = 'android' | 'ios' | 'web';

/** Device tokens per user (a token moves to its newest owner). */
export class DeviceTokenRepository {
  constructor(private readonly knex: Knex) {}

  async register(userId: string, token: string, platform: Platform): Promise<void> {
    await this.knex('device_token')
      .insert({ token, user_id: userId, platform })
      .onConflict('token')
      .merge({ user_id: userId, platform, last_seen_at: this.knex.fn.now() });
  }

  /** Removes the caller's token; a token of someone else is FORBIDDEN; an unknown one is a no-op. */
  async unregister(userId: string, token: string): Promise<void> {
    const row = await this.knex('device_token').where({ token }).first('user_id');
    if (!row) return;
    if (row.user_id !== userId) throw forbidden('this device token belongs to another user');
    await this.knex('device_token').where({ token, user_id: userId }).del();
  }

  async tokensOf(userIds: readonly string[]): Promise<{ userId: string; token: string }[]> {
    if (userIds.length === 0) return [];
    const rows = await this.knex('device_token').whereIn('user_id', userIds).select('user_id', 'token');
    return rows.map((r) => ({ userId: r.user_id, token: r.token }));
  }

  async remove(tokens: readonly string[]): Promise<void> {
    if (tokens.length) await this.knex('device_token').whereIn('token', tokens).del();
  }

  /** Erasure: every device of the person is forgotten; returns how many. */
  eraseUser(userId: string, trx: Knex.Transaction): Promise<number> {
    return trx('device_token').where('user_id', userId).del();
  }
}
