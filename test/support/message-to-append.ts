import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../../protocol/chat-message';

/** A chat message as ChatLog.append takes it (no seq yet): a sender whose id starts with `p` is the professor. */
export function messageToAppend(
  requestIdx: number,
  senderId: string,
  clientMsgId: string,
  content = `from ${senderId} ${clientMsgId}`,
): Omit<ChatMessage, 'seq'> {
  return {
    requestIdx,
    messageId: randomUUID(),
    senderId,
    senderRole: senderId.startsWith('p') ? 'PROFESSOR' : 'STUDENT',
    content,
    sentAt: new Date().toISOString(),
    clientMsgId,
  };
}
