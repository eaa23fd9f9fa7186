import type { Knex } from 'knex';
import { CONSULTATION_TABLE } from './consultation.model';
import type { ConsultationStatus } from './consultation-status';

export interface OpenRoom {
  requestIdx: number;
  studentId: string;
  professorId: string;
  startedAt: Date | null;
}

/**
 * The bounded, index-backed scans the schedulers run (status + last activity, status + started at,
 * status + id, status + ended at): each returns at most `limit` rows, callers loop by cursor.
 */
export class ConsultationScans {
  constructor(private readonly knex: Knex) {}

  async openRoomsAfter(afterId: number, limit: number): Promise<OpenRoom[]> {
    const rows = await this.knex(CONSULTATION_TABLE)
      .where('status', 'IN_PROGRESS')
      .andWhere('request_idx', '>', afterId)
      .orderBy('request_idx')
      .limit(limit)
      .select('request_idx', 'student_id', 'professor_id', 'started_at');
    return rows.map((r) => ({ requestIdx: r.request_idx, studentId: r.student_id, professorId: r.professor_id, startedAt: r.started_at }));
  }

  /** IN_PROGRESS rooms whose last activity is before `before` (oldest first). */
  async idleSince(before: Date, limit: number): Promise<{ requestIdx: number; lastActivityAt: Date }[]> {
    const rows = await this.knex(CONSULTATION_TABLE)
      .where('status', 'IN_PROGRESS')
      .andWhere('last_activity_at', '<', before)
      .orderBy('last_activity_at')
      .limit(limit)
      .select('request_idx', 'last_activity_at');
    return rows.map((r) => ({ requestIdx: r.request_idx, lastActivityAt: r.last_activity_at }));
  }

  /** IN_PROGRESS rooms started before `before`; with `unwarnedOnly`, those not warned yet. */
  async startedBefore(before: Date, limit: number, unwarnedOnly = false): Promise<OpenRoom[]> {
    const q = this.knex(CONSULTATION_TABLE).where('status', 'IN_PROGRESS').andWhere('started_at', '<', before);
    if (unwarnedOnly) q.whereNull('max_duration_warned_at');
    const rows = await q.orderBy('started_at').limit(limit).select('request_idx', 'student_id', 'professor_id', 'started_at');
    return rows.map((r) => ({ requestIdx: r.request_idx, studentId: r.student_id, professorId: r.professor_id, startedAt: r.started_at }));
  }

  /** Claims the one max-duration warning of a consultation; false when another scan already did. */
  async claimWarning(requestIdx: number): Promise<boolean> {
    const n = await this.knex(CONSULTATION_TABLE)
      .where({ request_idx: requestIdx, status: 'IN_PROGRESS' })
      .whereNull('max_duration_warned_at')
      .update({ max_duration_warned_at: this.knex.fn.now() });
    return n === 1;
  }

  async completedUnarchived(endedBefore: Date, limit: number): Promise<number[]> {
    const rows = await this.knex(CONSULTATION_TABLE)
      .where('status', 'COMPLETED')
      .whereNull('archived_at')
      .whereNull('purged_at')
      .andWhere('ended_at', '<', endedBefore)
      .orderBy('ended_at')
      .limit(limit)
      .select('request_idx');
    return rows.map((r) => r.request_idx as number);
  }

  async states(ids: readonly number[]): Promise<Map<number, { status: ConsultationStatus; archived: boolean; lastActivityAt: Date }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.knex(CONSULTATION_TABLE).whereIn('request_idx', ids).select('request_idx', 'status', 'archived_at', 'last_activity_at');
    return new Map(rows.map((r) => [r.request_idx as number, { status: r.status, archived: r.archived_at !== null, lastActivityAt: r.last_activity_at }]));
  }
}
