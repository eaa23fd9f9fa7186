import {
  CHAT_MESSAGE_FIELDS,
  decodeChatMessage,
  encodeHead,
  encodeTail,
  encodeChatMessage,
  seqOfEncoded,
  typedRecord,
  type ChatMessage,
} from '../../protocol/chat-message';
import { appendRestoreSection, splitRestoreSection } from '../../lib/archive/restore-section';

const message: ChatMessage = {
  requestIdx: 7,
  seq: 42,
  messageId: 'm-1',
  senderId: 's1',
  senderRole: 'STUDENT',
  content: 'quote " backslash \\ newline \n 한국어 😀',
  sentAt: '2026-12-06T10:00:00.123Z',
  clientMsgId: 'c-1',
};

describe('the chat message codec', () => {
  it('writes the fields in the protocol order and reads them back', () => {
    const json = encodeChatMessage(message);
    expect(Object.keys(JSON.parse(json) as object)).toEqual([...CHAT_MESSAGE_FIELDS]);
    expect(decodeChatMessage(json)).toEqual(message);
    expect(json).toBe(JSON.stringify(Object.fromEntries(CHAT_MESSAGE_FIELDS.map((f) => [f, message[f]]))));
  });

  it('splits around the seq so a writer that learns it later splices the same JSON', () => {
    expect(`${encodeHead(message.requestIdx)}${message.seq}${encodeTail(message)}`).toBe(encodeChatMessage(message));
  });

  it('types a record without re-serializing, and reads the seq without parsing the content', () => {
    const json = encodeChatMessage(message);
    expect(JSON.parse(typedRecord('CHAT', json))).toEqual({ type: 'CHAT', ...message });
    expect(seqOfEncoded(json)).toBe(42);
    expect(seqOfEncoded(JSON.stringify({ seq: 9, requestIdx: 1 }))).toBe(9);
  });
});

describe('the restore section', () => {
  it('carries every field the message line does not, and still reads v1 rows', () => {
    const plaintext = appendRestoreSection('text\n', [message]);
    const { text, section } = splitRestoreSection(plaintext);
    expect(text).toBe('text\n');
    expect(section?.rows).toEqual([{ seq: 42, messageId: 'm-1', sentAt: message.sentAt, clientMsgId: 'c-1' }]);

    const v1 = `text\n#office-hours restore-section v1 {}\n${JSON.stringify([42, message.sentAt, 'c-1', 'm-1'])}\n`;
    expect(splitRestoreSection(v1).section?.rows).toEqual([{ seq: 42, messageId: 'm-1', sentAt: message.sentAt, clientMsgId: 'c-1' }]);
  });
});
