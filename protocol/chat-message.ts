/**
 * The chat message (CONTRACT §4) and its one JSON codec. Every copy of a message on the wire or at rest
 * (REST history, STOMP CHAT events, sync, the hot log in Redis, snapshot segments, exports) is this JSON,
 * with its fields in this order: a field added here travels everywhere the message does.
 */
export type SenderRole = 'STUDENT' | 'PROFESSOR';

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

/** The fields in contract order; the compiler refuses this list unless it names every field once. */
export const CHAT_MESSAGE_FIELDS = ['requestIdx', 'seq', 'messageId', 'senderId', 'senderRole', 'content', 'sentAt', 'clientMsgId'] as const;
type Listed = (typeof CHAT_MESSAGE_FIELDS)[number];
const everyFieldListed: [Exclude<keyof ChatMessage, Listed>] extends [never] ? true : never = true;
void everyFieldListed;

/** The fields the server stores after the seq: what a sender's message carries besides its room and seq. */
export type ChatMessageBody = Omit<ChatMessage, 'requestIdx' | 'seq'>;

/** A message's JSON, fields in contract order. */
export function encodeChatMessage(m: ChatMessage): string {
  return `${encodeHead(m.requestIdx)}${m.seq}${encodeTail(m)}`;
}

/**
 * The JSON split around the seq, for a writer that learns the seq later (the append script splices it in):
 * `${encodeHead(requestIdx)}${seq}${encodeTail(body)}` is `encodeChatMessage` of the message with that seq.
 */
export const encodeHead = (requestIdx: number): string => `{"requestIdx":${requestIdx},"seq":`;

export function encodeTail(m: ChatMessageBody): string {
  // A literal, not a loop over the field list: this runs per message on the hot path. The `satisfies` makes
  // the compiler refuse it when a field is missing; a unit test checks the order against CHAT_MESSAGE_FIELDS.
  const rest = {
    messageId: m.messageId,
    senderId: m.senderId,
    senderRole: m.senderRole,
    content: m.content,
    sentAt: m.sentAt,
    clientMsgId: m.clientMsgId,
  } satisfies Record<keyof ChatMessageBody, unknown>;
  return `,${JSON.stringify(rest).slice(1)}`;
}

export const decodeChatMessage = (json: string): ChatMessage => JSON.parse(json) as ChatMessage;

/** An encoded message as an event or export record of the given type (`{"type":…,` then its fields), without re-serializing. */
export const typedRecord = (type: string, encoded: string): string => `{"type":${JSON.stringify(type)},${encoded.slice(1)}`;

/** The seq of an encoded message, read without parsing the content. */
export function seqOfEncoded(encoded: string): number {
  const m = /^\{"requestIdx":\d+,"seq":(\d+)/.exec(encoded);
  return m ? Number(m[1]) : (decodeChatMessage(encoded).seq ?? NaN);
}
