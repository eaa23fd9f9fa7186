/** The contract's REST shapes (CONTRACT §4), as the server sends them (times are ISO-8601 UTC strings). */

export type ConsultationStatus = 'PENDING' | 'SCHEDULED' | 'IN_PROGRESS' | 'COMPLETED' | 'REJECTED' | 'CANCELED';
export type EndReason = 'USER' | 'INACTIVE' | 'MAX_DURATION';
export type SenderRole = 'STUDENT' | 'PROFESSOR';

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

export interface PageQuery {
  page?: number;
  size?: number;
}

export interface Professor {
  id: string;
  name: string;
}

/** A chat message (CONTRACT §4). */
export interface ChatMessage {
  requestIdx: number;
  seq: number;
  messageId: string;
  senderId: string;
  senderRole: SenderRole;
  content: string;
  sentAt: string;
  clientMsgId: string;
}
