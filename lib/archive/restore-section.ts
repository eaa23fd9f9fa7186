import type { ChatMessage } from '../../protocol/chat-message';

/**
 * The machine-readable section a sealed archive or snapshot carries after the contract's text (CONTRACT §6):
 * what the text cannot say exactly, one JSON row per message line in the same order: the message's fields
 * the line does not carry (seq, sentAt with ms, clientMsgId, messageId, and any field the protocol adds), so
 * restore gives back the message as it was. v1 rows (`[seq, sentAt, clientMsgId, messageId]`) still read. The download strips it. It starts with a line no message line can be (those start with `[`,
 * header lines with a field name, and no line holds a raw newline), so the text before it is byte-identical
 * to the archive text of the same messages.
 */
const MARKER_V1 = '#office-hours restore-section v1';
const MARKER = '#office-hours restore-section v2';
const MARKERS = [MARKER, MARKER_V1];

/** Where a snapshot base stands in its room's chain of segments (see snapshot-segment.ts). */
export interface ChainPosition {
  /** Random id of this base; its segments carry it, so one from an earlier base is never applied on this one. */
  readonly chain: string;
  /** The base holds the room's messages up to this seq. */
  readonly upTo: number;
}

/** The fields a message line carries itself (the sender follows from the role and the header). */
type LineFields = 'requestIdx' | 'senderId' | 'senderRole' | 'content';
export type RestoreRow = Omit<ChatMessage, LineFields>;

function rowOf(m: ChatMessage): RestoreRow {
  const { requestIdx: _r, senderId: _s, senderRole: _role, content: _c, ...row } = m;
  return row;
}

function parseRow(line: string, v1: boolean): RestoreRow {
  if (!v1) return JSON.parse(line) as RestoreRow;
  const [seq, sentAt, clientMsgId, messageId] = JSON.parse(line) as [number, string, string, string];
  return { seq, messageId, sentAt, clientMsgId };
}

function markerAt(plaintext: string): { at: number; v1: boolean } {
  for (const marker of MARKERS) {
    const at = plaintext.indexOf(`\n${marker} `);
    if (at >= 0) return { at, v1: marker === MARKER_V1 };
  }
  return { at: -1, v1: false };
}

export function appendRestoreSection(text: string, messages: readonly ChatMessage[], position?: ChainPosition): string {
  const rows = messages.map((m) => JSON.stringify(rowOf(m)));
  return `${text}${MARKER} ${JSON.stringify(position ?? {})}\n${rows.length ? `${rows.join('\n')}\n` : ''}`;
}

/** The contract's text of a sealed plaintext (what the download serves): everything before the section. */
export function contractTextOf(plaintext: Buffer): Buffer {
  for (const marker of MARKERS) {
    const at = plaintext.indexOf(`\n${marker} `);
    if (at >= 0) return plaintext.subarray(0, at + 1);
  }
  return plaintext;
}

/** Splits a sealed plaintext; `section` is undefined for objects written before it existed. */
export function splitRestoreSection(plaintext: string): { text: string; section?: { position?: ChainPosition; rows: RestoreRow[] } } {
  const { at, v1 } = markerAt(plaintext);
  if (at < 0) return { text: plaintext };
  const lines = plaintext.slice(at + 1).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  // Both markers have the same length.
  const position = JSON.parse(lines[0]!.slice(MARKER.length + 1)) as Partial<ChainPosition>;
  const rows = lines.slice(1).map((line) => parseRow(line, v1));
  return {
    text: plaintext.slice(0, at + 1),
    section: { position: typeof position.chain === 'string' ? (position as ChainPosition) : undefined, rows },
  };
}
