import type { Knex } from 'knex';
import { preparedQuery, type PreparedStatement } from '../db/prepared-query';
import { ConsultationModel, CONSULTATION_TABLE } from './consultation.model';
import type { ConsultationStatus } from './consultation-status';

export interface Page<T> {
  items: T[];
  page: number;
  size: number;
  total: number;
}

export interface ListQuery {
  readonly statuses?: readonly ConsultationStatus[];
  readonly page: number;
  readonly size: number;
}

/**
 * The list pages, one prepared statement per scope: the page and, through a window count, the total in one
 * round trip. `$2` is the status filter (NULL: any), `$3`/`$4` offset and limit.
 */
const listStatement = (scope: 'participant' | 'student' | 'professor'): PreparedStatement => {
  const where = { participant: '(c.student_id = $1 OR c.professor_id = $1)', student: 'c.student_id = $1', professor: 'c.professor_id = $1' }[scope];
  return {
    name: `oh-consultation-list-${scope}`,
    text: `SELECT c.*, s.name AS student_name, p.name AS professor_name, count(*) OVER () AS total_count
      FROM "${CONSULTATION_TABLE}" c JOIN users s ON s.id = c.student_id JOIN users p ON p.id = c.professor_id
      WHERE ${where} AND ($2::text[] IS NULL OR c.status = ANY($2::text[]))
      ORDER BY c.created_at DESC, c.request_idx DESC OFFSET $3 LIMIT $4`,
  };
};
/** One consultation with its participants' names: every chat room lookup and lifecycle step reads it. */
const FIND_BY_ID: PreparedStatement = {
  name: 'oh-consultation-find',
  text: `SELECT c.*, s.name AS student_name, p.name AS professor_name
    FROM "${CONSULTATION_TABLE}" c JOIN users s ON s.id = c.student_id JOIN users p ON p.id = c.professor_id
    WHERE c.request_idx = $1`,
};
/** Users' rooms in some statuses (gateways' subscription sets, read when a user's first session attaches). */
const ROOMS_OF_PARTICIPANTS: PreparedStatement = {
  name: 'oh-consultation-rooms-of',
  text: `SELECT request_idx, student_id, professor_id, status FROM "${CONSULTATION_TABLE}" WHERE student_id = ANY($1::text[]) AND status = ANY($2::text[])
    UNION SELECT request_idx, student_id, professor_id, status FROM "${CONSULTATION_TABLE}" WHERE professor_id = ANY($1::text[]) AND status = ANY($2::text[])`,
};
const LIST = { participant: listStatement('participant'), student: listStatement('student'), professor: listStatement('professor') };

/** Column patch applied together with a status change. Keys are model (camelCase) names. */
export type TransitionPatch = Partial<
  Pick<ConsultationModel, 'scheduledTime' | 'approvedAt' | 'rejectReason' | 'cancelReason' | 'startedAt' | 'endedAt' | 'endReason'>
>;

/** PostgreSQL access for consultations; every status change is one conditional UPDATE (no read-modify-write). */
export class ConsultationRepository {
  constructor(private readonly knex: Knex) {}

  async findById(requestIdx: number): Promise<ConsultationModel | undefined> {
    const [row] = await preparedQuery(this.knex, FIND_BY_ID, [requestIdx]);
    return row ? ConsultationModel.fromDatabaseJson(row) : undefined;
  }

  async insert(row: { studentId: string; professorId: string; title: string; content: string; desiredTime: Date | null }): Promise<number> {
    const created = await ConsultationModel.query(this.knex)
      .insert({ ...row, status: 'PENDING' })
      .returning('request_idx');
    return created.requestIdx;
  }

  /**
   * Moves a consultation from one of `from` to `to` in a single statement. Under concurrency the row lock
   * makes every loser re-check the WHERE clause against the winner's row, so exactly one caller gets a row back.
   * `alongside` (the audit row) runs in the same transaction when the move won: if it fails, nothing moved.
   */
  async transition(
    requestIdx: number,
    from: readonly ConsultationStatus[],
    to: ConsultationStatus,
    patch: TransitionPatch,
    alongside?: (trx: Knex.Transaction) => Promise<void>,
  ): Promise<boolean> {
    const move = async (db: Knex) => {
      const updated = await ConsultationModel.query(db)
        .patch({
          ...patch,
          status: to,
          lastActivityAt: db.fn.now(),
          updatedAt: db.fn.now(),
          version: db.raw('version + 1'),
        } as never)
        .where('request_idx', requestIdx)
        .whereIn('status', from as ConsultationStatus[]);
      return updated === 1;
    };
    if (!alongside) return move(this.knex);
    return this.knex.transaction(async (trx) => {
      const won = await move(trx);
      if (won) await alongside(trx);
      return won;
    });
  }

  async markRead(requestIdx: number, side: 'student' | 'professor', at: Date): Promise<void> {
    const column = side === 'student' ? 'last_read_time_student' : 'last_read_time_professor';
    await this.knex(CONSULTATION_TABLE)
      .where('request_idx', requestIdx)
      .update({ [column]: at, updated_at: this.knex.fn.now() });
  }

  /** Sets the archive marker once; false when it was already set. */
  async markArchived(requestIdx: number): Promise<boolean> {
    const n = await this.knex(CONSULTATION_TABLE)
      .where('request_idx', requestIdx)
      .whereNull('archived_at')
      .update({ archived_at: this.knex.fn.now(), updated_at: this.knex.fn.now() });
    return n === 1;
  }

  /** Batched activity stamps from the chat path: one statement for many rooms, never moving time backwards. */
  async touchActivity(stamps: ReadonlyMap<number, Date>): Promise<void> {
    if (stamps.size === 0) return;
    const ids: number[] = [];
    const times: Date[] = [];
    for (const [id, at] of stamps) {
      ids.push(id);
      times.push(at);
    }
    await this.knex.raw(
      `UPDATE "${CONSULTATION_TABLE}" AS c SET last_activity_at = GREATEST(c.last_activity_at, v.at)
       FROM unnest(?::bigint[], ?::timestamptz[]) AS v(id, at) WHERE c.request_idx = v.id`,
      [ids, times],
    );
  }

  async listForParticipant(userId: string, query: ListQuery): Promise<Page<ConsultationModel>> {
    return this.page(LIST.participant, userId, query);
  }

  /** Participants and status of the consultations, in the given statuses, of any of `userIds` (no names). */
  async roomsOfParticipants(
    userIds: readonly string[],
    statuses: readonly ConsultationStatus[],
  ): Promise<Pick<ConsultationModel, 'requestIdx' | 'studentId' | 'professorId' | 'status'>[]> {
    const rows = await preparedQuery(this.knex, ROOMS_OF_PARTICIPANTS, [[...userIds], [...statuses]]);
    return rows.map((r) => ({
      requestIdx: Number(r['request_idx']),
      studentId: r['student_id'] as string,
      professorId: r['professor_id'] as string,
      status: r['status'] as ConsultationStatus,
    }));
  }

  async listBySide(side: 'student' | 'professor', userId: string, query: ListQuery): Promise<Page<ConsultationModel>> {
    return this.page(LIST[side], userId, query);
  }

  private async page(statement: PreparedStatement, userId: string, query: ListQuery): Promise<Page<ConsultationModel>> {
    const statuses = query.statuses ? [...query.statuses] : null;
    const rows = await preparedQuery(this.knex, statement, [userId, statuses, query.page * query.size, query.size]);
    let total = Number(rows[0]?.['total_count'] ?? 0);
    // Only a page past the end (no rows to carry the window count) needs a count of its own.
    if (rows.length === 0 && query.page > 0) total = Number((await preparedQuery(this.knex, statement, [userId, statuses, 0, 1]))[0]?.['total_count'] ?? 0);
    const items = rows.map((r) => {
      delete r['total_count'];
      return ConsultationModel.fromDatabaseJson(r);
    });
    return { items, page: query.page, size: query.size, total };
  }

  /** Retention: the minimal row stays (ids, status and times keep lists and the audit trail coherent); the words go. */
  async purgeWords(requestIdx: number, trx: Knex.Transaction): Promise<void> {
    await trx(CONSULTATION_TABLE)
      .where('request_idx', requestIdx)
      .update({ purged_at: this.knex.fn.now(), title: '', content: '', reject_reason: null, cancel_reason: null, updated_at: this.knex.fn.now() });
  }

  /**
   * Erasure: the person's side of the consultation moves to the pseudonym, and what they wrote goes (the
   * student's request and cancel reason, the professor's rejection reason). updated_at is left alone: it is
   * a REJECTED or CANCELED consultation's retention clock.
   */
  async moveToPseudonym(requestIdx: number, userId: string, pseudonymId: string, trx: Knex.Transaction): Promise<void> {
    await trx(CONSULTATION_TABLE)
      .where({ request_idx: requestIdx, student_id: userId })
      .update({ student_id: pseudonymId, title: '', content: '', cancel_reason: null });
    await trx(CONSULTATION_TABLE).where({ request_idx: requestIdx, professor_id: userId }).update({ professor_id: pseudonymId, reject_reason: null });
  }
}
