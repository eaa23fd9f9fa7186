import type { ChatMessage } from '../chat/chat-message';
import type { ConsultationStatus, EndReason } from '../consultation/consultation-status';

/** Bodies of STOMP MESSAGE frames on /user/queue/chat (CONTRACT §5). Published as JSON on user channels. */
export type RoomEvent =
  | ({ type: 'CHAT' } & ChatMessage)
  | { type: 'READ'; requestIdx: number; readerId: string; readAt: string }
  | { type: 'STATUS'; requestIdx: number; status: ConsultationStatus; endReason?: EndReason }
  | { type: 'WARNING'; requestIdx: number; endsAt: string }
  | { type: 'TYPING'; requestIdx: number; userId: string };

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
