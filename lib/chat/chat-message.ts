/** A stored chat message (CONTRACT §4). */
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
