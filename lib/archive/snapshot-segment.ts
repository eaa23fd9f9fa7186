import { type ChatMessage, decodeChatMessage, encodeChatMessage } from '../../protocol/chat-message';

/**
 * A sealed snapshot segment (CONTRACT §6, `temp/chat_{requestIdx}_snapshot/`): the messages a backup cycle
 * found after the previous link of its room's chain. Its first line states which link it is (room, chain of
 * the base it extends, seq range); being inside the sealed plaintext it is authenticated with it, so a
 * segment copied to another name, another point of the chain or another chain is recognised at restore.
 * Then one message JSON per line (no download ever shows a segment).
 */
const MARKER = '#office-hours snapshot-segment v1';

export interface SegmentPosition {
  readonly requestIdx: number;
  readonly chain: string;
  /** Holds the messages with seq in (after, upTo]. */
  readonly after: number;
  readonly upTo: number;
}

export function formatSegment(position: SegmentPosition, messages: readonly ChatMessage[]): string {
  const { requestIdx, chain, after, upTo } = position;
  const lines = messages.map(encodeChatMessage);
  return `${MARKER} ${JSON.stringify({ requestIdx, chain, after, upTo })}\n${lines.length ? `${lines.join('\n')}\n` : ''}`;
}

export function parseSegment(text: string): { position: SegmentPosition; messages: ChatMessage[] } {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (!lines[0]?.startsWith(`${MARKER} `)) throw new Error('not a snapshot segment');
  const position = JSON.parse(lines[0].slice(MARKER.length + 1)) as SegmentPosition;
  return { position, messages: lines.slice(1).map(decodeChatMessage) };
}
