import type { ConsultationStatus, EndReason } from './room-events';

/** The consultation as the REST API shows it (CONTRACT §4); times are ISO-8601 UTC strings. */
export interface Consultation {
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

/** A list response: `page` is 0-based, `size` at most 100. */
export interface Page<T> {
  items: T[];
  page: number;
  size: number;
  total: number;
}

export interface Professor {
  id: string;
  name: string;
}
