import { Model, snakeCaseMappers } from 'objection';
import type { ConsultationStatus, EndReason } from './consultation-status';

export const CONSULTATION_TABLE = 'CONSULTATION_REQUEST_TBL';

export class ConsultationModel extends Model {
  requestIdx!: number;
  studentId!: string;
  professorId!: string;
  title!: string;
  content!: string;
  desiredTime!: Date | null;
  scheduledTime!: Date | null;
  status!: ConsultationStatus;
  rejectReason!: string | null;
  cancelReason!: string | null;
  createdAt!: Date;
  approvedAt!: Date | null;
  startedAt!: Date | null;
  endedAt!: Date | null;
  endReason!: EndReason | null;
  lastActivityAt!: Date;
  lastReadTimeStudent!: Date | null;
  lastReadTimeProfessor!: Date | null;
  archivedAt!: Date | null;
  maxDurationWarnedAt!: Date | null;
  /** Exempt from retention (an ADMIN's legal hold). */
  legalHold!: boolean;
  /** When retention purged it: the row stays, its words and messages are gone. */
  purgedAt!: Date | null;
  version!: number;
  updatedAt!: Date;
  /** Joined from users. */
  studentName?: string;
  professorName?: string;

  static override tableName = CONSULTATION_TABLE;
  static override idColumn = 'request_idx';
  static override get columnNameMappers() {
    return snakeCaseMappers();
  }
}
