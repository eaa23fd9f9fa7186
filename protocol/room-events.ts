import type { ChatMessage } from './chat-message';

/** Consultation statuses and end reasons (CONTRACT §4). */
export const STATUSES = ['PENDING', 'SCHEDULED', 'IN_PROGRESS', 'COMPLETED', 'REJECTED', 'CANCELED'] as const;
export type ConsultationStatus = (typeof STATUSES)[number];
export const END_REASONS = ['USER', 'INACTIVE', 'MAX_DURATION'] as const;
export type EndReason = (typeof END_REASONS)[number];

/** Bodies of STOMP MESSAGE frames on /user/queue/chat (CONTRACT §5). */
export type ChatEvent = { type: 'CHAT' } & ChatMessage;
export interface ReadEvent {
  type: 'READ';
  requestIdx: number;
  readerId: string;
  readAt: string;
}
export interface StatusEvent {
  type: 'STATUS';
  requestIdx: number;
  status: ConsultationStatus;
  endReason?: EndReason;
}
export interface WarningEvent {
  type: 'WARNING';
  requestIdx: number;
  endsAt: string;
}
export interface TypingEvent {
  type: 'TYPING';
  requestIdx: number;
  userId: string;
}
/** The consultation's own events (the lifecycle publishes them); the chat adds CHAT and TYPING. */
export type ConsultationRoomEvent = ReadEvent | StatusEvent | WarningEvent;
export type RoomEvent = ChatEvent | TypingEvent | ConsultationRoomEvent;

/** Bodies on /user/queue/errors: a refusal, or the session's token nearing its deadline. */
export interface ErrorEvent {
  type: 'ERROR';
  code: string;
  message: string;
  requestIdx?: number;
  clientMsgId?: string;
}
export interface TokenExpiringEvent {
  type: 'TOKEN_EXPIRING';
  expiresAt: string;
}
