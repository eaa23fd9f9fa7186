import type { Knex } from 'knex';
import type { Page } from '../consultation/consultation-repository';
import type { AuditAction, AuditOrigin } from './audit-actions';
import type { AuditSearch } from './audit-inputs';

export interface AuditEntry {
  id: number;
  at: string;
  actorId: string | null;
  action: AuditAction;
  target: string;
  requestId: string | null;
  ip: string | null;
}

/**
 * The append-only audit trail (table audit_log; a trigger refuses updates and unflagged deletes). Rows name
 * people by id only, never by name or content, and outlive the purge of what they are about.
 */
export class AuditLog {
  constructor(private readonly knex: Knex) {}

  /** One row; `trx` records it in the same transaction as the change it is about. */
  async record(origin: AuditOrigin, action: AuditAction, target: string, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.knex)('audit_log').insert({ actor_id: origin.actorId, action, target, request_id: origin.requestId, ip: origin.ip });
  }

  async search(q: AuditSearch): Promise<Page<AuditEntry>> {
    const scoped = () => {
      const b = this.knex('audit_log');
      if (q.actorId) b.where('actor_id', q.actorId);
      if (q.target) b.where('target', q.target);
      if (q.action) b.where('action', q.action);
      if (q.from) b.where('at', '>=', q.from);
      if (q.to) b.where('at', '<', q.to);
      return b;
    };
    const [{ count }] = (await scoped().count('* as count')) as [{ count: string }];
    const rows = (await scoped()
      .orderBy('id', 'desc')
      .offset(q.page * q.size)
      .limit(q.size)) as Record<string, unknown>[];
    return { items: rows.map(toEntry), page: q.page, size: q.size, total: Number(count) };
  }

  /** Deletes rows older than `before` (AUDIT_RETENTION_DAYS), at most `limit`; the only delete the trigger allows. */
  async prune(before: Date, limit: number): Promise<number> {
    return this.knex.transaction(async (trx) => {
      await trx.raw(`SELECT set_config('oh.audit_prune', 'on', true)`);
      const r = await trx.raw(`DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY id LIMIT ?)`, [before, limit]);
      return (r as { rowCount: number }).rowCount;
    });
  }
}

function toEntry(r: Record<string, unknown>): AuditEntry {
  return {
    id: Number(r['id']),
    at: new Date(r['at'] as Date).toISOString(),
    actorId: (r['actor_id'] as string | null) ?? null,
    action: r['action'] as AuditAction,
    target: r['target'] as string,
    requestId: (r['request_id'] as string | null) ?? null,
    ip: (r['ip'] as string | null) ?? null,
  };
}
