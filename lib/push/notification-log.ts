import type { Knex } from 'knex';
import type { Page } from '../consultation/consultation-repository';

export const NOTIFICATION_STATUSES = ['PENDING', 'SENT', 'RETRYING', 'FAILED', 'SKIPPED', 'INVALID_TOKEN'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export interface NotificationRow {
  id: number;
  kind: string;
  userId: string;
  requestIdx: number | null;
  token: string | null;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  fcmMessageId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewNotification {
  kind: string;
  userId: string;
  requestIdx: number | null;
  token: string | null;
  status: NotificationStatus;
  lastError?: string;
}

const toRow = (r: Record<string, any>): NotificationRow => ({
  id: r.id,
  kind: r.kind,
  userId: r.user_id,
  requestIdx: r.request_idx,
  // Tokens are credentials of a device: the log shows only their tail.
  token: r.token ? `…${String(r.token).slice(-8)}` : null,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  fcmMessageId: r.fcm_message_id,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

/** notification_log: one row per notification and device token, with its delivery history. */
export class NotificationLog {
  constructor(private readonly knex: Knex) {}

  async create(rows: readonly NewNotification[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const inserted = await this.knex('notification_log')
      .insert(
        rows.map((r) => ({ kind: r.kind, user_id: r.userId, request_idx: r.requestIdx, token: r.token, status: r.status, last_error: r.lastError ?? null })),
      )
      .returning('id');
    return inserted.map((r: { id: number }) => r.id);
  }

  /** Rows still to deliver (PENDING or RETRYING) among `ids`, with their full tokens. */
  async deliverable(ids: readonly number[]): Promise<{ id: number; token: string }[]> {
    if (ids.length === 0) return [];
    return this.knex('notification_log').whereIn('id', ids).whereIn('status', ['PENDING', 'RETRYING']).whereNotNull('token').select('id', 'token');
  }

  async record(id: number, status: NotificationStatus, detail: { error?: string; messageId?: string } = {}): Promise<void> {
    await this.knex('notification_log')
      .where({ id })
      .update({
        status,
        attempts: this.knex.raw('attempts + 1'),
        last_error: detail.error ?? null,
        fcm_message_id: detail.messageId ?? null,
        updated_at: this.knex.fn.now(),
      });
  }

  async search(filter: { status?: string; kind?: string; userId?: string; requestIdx?: number }, page: number, size: number): Promise<Page<NotificationRow>> {
    const q = () => {
      const b = this.knex('notification_log');
      if (filter.status) b.where('status', filter.status);
      if (filter.kind) b.where('kind', filter.kind);
      if (filter.userId) b.where('user_id', filter.userId);
      if (filter.requestIdx) b.where('request_idx', filter.requestIdx);
      return b;
    };
    const [{ count }] = (await q().count('* as count')) as [{ count: string }];
    const rows = await q()
      .orderBy('id', 'desc')
      .offset(page * size)
      .limit(size);
    return { items: rows.map(toRow), page, size, total: Number(count) };
  }

  /** Retention: the room's notifications go. */
  purgeRoom(requestIdx: number, trx: Knex.Transaction): Promise<number> {
    return trx('notification_log').where('request_idx', requestIdx).del();
  }

  /** Erasure: every notification addressed to the person goes; returns how many. */
  eraseUser(userId: string, trx: Knex.Transaction): Promise<number> {
    return trx('notification_log').where('user_id', userId).del();
  }
}
