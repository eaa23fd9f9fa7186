/** A chat message (CONTRACT §4). */
export interface ChatMessage {
  requestIdx: number;
  seq: number;
  messageId: string;
  senderId: string;
  senderRole: 'STUDENT' | 'PROFESSOR';
  content: string;
  sentAt: string;
  clientMsgId: string;
}

/** Events on `/user/queue/chat` (CONTRACT §5). */
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
  status: string;
  endReason?: string;
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
export type RoomEvent = ChatEvent | ReadEvent | StatusEvent | WarningEvent | TypingEvent;

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** What `client.on(type, …)` delivers, by type. */
export interface EventMap {
  CHAT: ChatEvent;
  READ: ReadEvent;
  STATUS: StatusEvent;
  WARNING: WarningEvent;
  TYPING: TypingEvent;
  /** A refusal not tied to one send (those reject their promise), or a session-level failure. */
  error: import('./errors').OfficeHoursError;
  state: ConnectionState;
}
