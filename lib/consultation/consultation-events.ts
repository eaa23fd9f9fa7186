import type { ConsultationStatus, EndReason } from './consultation-status';

/** The consultation's events on /user/queue/chat (CONTRACT §5); chat/room-events.ts adds CHAT and TYPING. */
export type ConsultationRoomEvent =
  | { type: 'READ'; requestIdx: number; readerId: string; readAt: string }
  | { type: 'STATUS'; requestIdx: number; status: ConsultationStatus; endReason?: EndReason }
  | { type: 'WARNING'; requestIdx: number; endsAt: string };

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
