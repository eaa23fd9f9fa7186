import type { Knex } from 'knex';
import type { DataOwners } from './data-owners';
import type { AuditLog } from '../audit/audit-log';
import { SYSTEM_ORIGIN, consultationTarget } from '../audit/audit-actions';
import type { ChatLog } from '../chat/hot-log/chat-log';
import { CONSULTATION_TABLE } from '../consultation/consultation.model';
import type { Logger } from '../logging/logger';
import { forEachBounded } from '../maintenance/run-bounded';
import type { ObjectStore } from '../storage/object-store';
import { archiveObjectKey } from '../storage/object-keys';
import { removeSnapshot } from '../archive/snapshot-chain';

const DAY_MS = 86_400_000;
const ENDED = `status IN ('COMPLETED','REJECTED','CANCELED')`;
/** Matches consultation_retention_idx: ended, not purged, not held; "ended" is endedAt, or the decision for REJECTED/CANCELED. */
const DUE = `purged_at IS NULL AND NOT legal_hold AND ${ENDED} AND coalesce(ended_at, updated_at) < ?`;

export interface RetentionSettings {
  /** RETENTION_DAYS; undefined → nothing is purged. */
  readonly days: number | undefined;
  /** AUDIT_RETENTION_DAYS; undefined → audit rows are kept forever. */
  readonly auditDays: number | undefined;
  /** Consultations per run: a run that reaches it asks for a follow-up run at once. */
  readonly batch: number;
  readonly concurrency: number;
}

export interface PurgeReport {
  purged: number;
  failed: number;
  /** Due consultations left after this run (the next run, or a follow-up, takes them). */
  pending: number;
  auditPruned: number;
  /** true when the run stopped at its bound with more due. */
  more: boolean;
  durationMs: number;
}

export interface DryRunReport {
  cutoff: string | null;
  wouldPurge: number;
  /** Due by age but exempt under a legal hold. */
  held: number;
  /** The first due ids, oldest end first. */
  sample: number[];
}

/**
 * The retention policy: every ended consultation past RETENTION_DAYS loses its messages, archive and
 * snapshot objects, Redis keys, notification log rows and seq reservation; a minimal row stays, marked
 * purged. Each consultation is purged under its row lock, so a legal hold set meanwhile waits for it (and
 * then finds it purged) or wins (and the purge skips it). Every step is idempotent: a run that dies midway
 * leaves the row unmarked, and the next run redoes all of it.
 */
export class RetentionPurge {
  constructor(
    private readonly d: { knex: Knex; owners: DataOwners; store: ObjectStore; chatLog: ChatLog; audit: AuditLog; settings: RetentionSettings; log: Logger },
  ) {}

  cutoff(now: Date): Date | undefined {
    return cutoffOf(this.d.settings, now);
  }

  dryRun(now = new Date()): Promise<DryRunReport> {
    return retentionDryRun(this.d.knex, this.d.settings, now);
  }

  async run(now = new Date()): Promise<PurgeReport> {
    const started = Date.now();
    const report: PurgeReport = { purged: 0, failed: 0, pending: 0, auditPruned: 0, more: false, durationMs: 0 };
    const cutoff = this.cutoff(now);
    if (cutoff) {
      const ids = await this.dueIds(cutoff, this.d.settings.batch);
      const { failed } = await forEachBounded(ids, this.d.settings.concurrency, async (id) => {
        try {
          if (await this.purgeOne(id, cutoff)) report.purged++;
        } catch (err) {
          this.d.log.warn({ err, requestIdx: id }, 'purge failed; retried next run');
          throw err;
        }
      });
      report.failed = failed.length;
      report.pending = await countDue(this.d.knex, cutoff);
      // A run that failed on every id it took would only fail again at once: the next scheduled run retries.
      report.more = ids.length === this.d.settings.batch && report.purged > 0 && report.pending > 0;
    }
    if (this.d.settings.auditDays !== undefined)
      report.auditPruned = await this.d.audit.prune(new Date(now.getTime() - this.d.settings.auditDays * DAY_MS), 10_000);
    report.durationMs = Date.now() - started;
    return report;
  }

  /** Purges one consultation if it is still due; false when it was held or purged meanwhile. */
  async purgeOne(requestIdx: number, cutoff: Date): Promise<boolean> {
    const { knex, store, chatLog, audit, owners } = this.d;
    return knex.transaction(async (trx) => {
      const locked = await trx(CONSULTATION_TABLE).where('request_idx', requestIdx).whereRaw(DUE, [cutoff]).forUpdate().first('request_idx');
      if (!locked) return false;
      // Outside data first: a crash after them rolls the row back to due, and the next run deletes nothing new.
      await store.remove(archiveObjectKey(requestIdx));
      await removeSnapshot(store, requestIdx);
      await chatLog.remove(requestIdx);
      await owners.messages.purgeRoom(requestIdx, trx);
      await owners.notifications.purgeRoom(requestIdx, trx);
      await owners.reservations.purgeRoom(requestIdx, trx);
      await owners.consultations.purgeWords(requestIdx, trx);
      await audit.record(SYSTEM_ORIGIN, 'PURGE', consultationTarget(requestIdx), trx);
      return true;
    });
  }

  private dueIds(cutoff: Date, limit: number): Promise<number[]> {
    return dueIds(this.d.knex, cutoff, limit);
  }
}

const cutoffOf = (settings: Pick<RetentionSettings, 'days'>, now: Date) =>
  settings.days === undefined ? undefined : new Date(now.getTime() - settings.days * DAY_MS);

async function dueIds(knex: Knex, cutoff: Date, limit: number): Promise<number[]> {
  const rows = await knex(CONSULTATION_TABLE)
    .whereRaw(DUE, [cutoff])
    .orderByRaw('coalesce(ended_at, updated_at), request_idx')
    .limit(limit)
    .select('request_idx');
  return rows.map((r: { request_idx: string | number }) => Number(r.request_idx));
}

async function countDue(knex: Knex, cutoff: Date): Promise<number> {
  const [{ count }] = (await knex(CONSULTATION_TABLE).whereRaw(DUE, [cutoff]).count('* as count')) as [{ count: string }];
  return Number(count);
}

/** What a purge would take now (npm run retention -- --dry-run): PostgreSQL reads only, nothing deleted. */
export async function retentionDryRun(knex: Knex, settings: Pick<RetentionSettings, 'days'>, now = new Date()): Promise<DryRunReport> {
  const cutoff = cutoffOf(settings, now);
  if (!cutoff) return { cutoff: null, wouldPurge: 0, held: 0, sample: [] };
  const [{ held }] = (await knex(CONSULTATION_TABLE)
    .whereRaw(`purged_at IS NULL AND legal_hold AND ${ENDED} AND coalesce(ended_at, updated_at) < ?`, [cutoff])
    .count('* as held')) as [{ held: string }];
  return { cutoff: cutoff.toISOString(), wouldPurge: await countDue(knex, cutoff), held: Number(held), sample: await dueIds(knex, cutoff, 20) };
}
