import type { ConsultationModel } from './consultation.model';
import type { ConsultationStatus, EndReason } from './consultation-status';

/** The consultation as the API shows it (CONTRACT §4). */
export interface ConsultationView {
  requestIdx: number;
  studentId: string;
  studentName: string;
  professorId: string;
  professorName: string;
  title: string;
  content: string;
  desiredTime: string | null;
  scheduledTime: string | null;
  status: ConsultationStatus;
  rejectReason: string | null;
  cancelReason: string | null;
  createdAt: string;
  approvedAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  endReason: EndReason | null;
  lastActivityAt: string;
  lastReadTimeStudent: string | null;
  lastReadTimeProfessor: string | null;
  archived: boolean;
}

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** Both participants with their display names (a user not yet in the directory shows as their id). */
export function participantsOf(c: ConsultationModel): { studentId: string; studentName: string; professorId: string; professorName: string } {
  return { studentId: c.studentId, studentName: c.studentName ?? c.studentId, professorId: c.professorId, professorName: c.professorName ?? c.professorId };
}

export function toConsultationView(c: ConsultationModel): ConsultationView {
  return {
    requestIdx: c.requestIdx,
    ...participantsOf(c),
    title: c.title,
    content: c.content,
    desiredTime: iso(c.desiredTime),
    scheduledTime: iso(c.scheduledTime),
    status: c.status,
    rejectReason: c.rejectReason,
    cancelReason: c.cancelReason,
    createdAt: iso(c.createdAt)!,
    approvedAt: iso(c.approvedAt),
    startedAt: iso(c.startedAt),
    endedAt: iso(c.endedAt),
    endReason: c.endReason,
    lastActivityAt: iso(c.lastActivityAt)!,
    lastReadTimeStudent: iso(c.lastReadTimeStudent),
    lastReadTimeProfessor: iso(c.lastReadTimeProfessor),
    archived: c.archivedAt !== null && c.archivedAt !== undefined,
  };
}
