import type { ConsultationModel } from './consultation.model';
import type { Consultation } from '../../protocol/consultation';

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** Both participants with their display names (a user not yet in the directory shows as their id). */
export function participantsOf(c: ConsultationModel): { studentId: string; studentName: string; professorId: string; professorName: string } {
  return { studentId: c.studentId, studentName: c.studentName ?? c.studentId, professorId: c.professorId, professorName: c.professorName ?? c.professorId };
}

export function toConsultationView(c: ConsultationModel): Consultation {
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
