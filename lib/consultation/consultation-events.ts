import type { ConsultationStatus, EndReason } from './consultation-status';

/** A lifecycle change, for consumers beyond the chat (push notifications, archive, audit). */
export interface ConsultationLifecycleEvent {
  kind: 'consultation.lifecycle';
  requestIdx: number;
  studentId: string;
  professorId: string;
  /** REQUEST for a new consultation; otherwise the action that caused the change. */
  action: 'REQUEST' | 'APPROVE' | 'REJECT' | 'CANCEL' | 'START' | 'END';
  status: ConsultationStatus;
  endReason?: EndReason;
  actorId: string | null;
  at: string;
}
