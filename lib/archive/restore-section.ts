import type { ChatMessage } from '../chat/chat-message';

/**
 * The machine-readable section a sealed archive or snapshot carries after the contract's text (CONTRACT §6):
 * what the text cannot say exactly, one JSON row per message line in the same order
 * (`[seq, sentAt ISO with ms, clientMsgId, messageId]`), so restore gives back the seq, time and client id a
 * message had. The download strips it. It starts with a line no message line can be (those start with `[`,
 * header lines with a field name, and no line holds a raw newline), so the text before it is byte-identical
 * to the archive text of the same messages.
 */
const MARKER = '#office-hours restore-section v1';

/** Where a snapshot base stands in its room's chain of segments (see snapshot-segment.ts). */
export interface ChainPosition {
  /** Random id of this base; its segments carry it, so one from an earlier base is never applied on this one. */
  readonly chain: string;
  /** The base holds the room's messages up to this seq. */
  readonly upTo: number;
}

export interface RestoreRow {
  readonly seq: number;
  readonly sentAt: string;
  readonly clientMsgId: string;
  readonly messageId: string;
}

export function appendRestoreSection(text: string, messages: readonly ChatMessage[], position?: ChainPosition): string {
  const rows = messages.map((m) => JSON.stringify([m.seq, m.sentAt, m.clientMsgId, m.messageId]));
  return `${text}${MARKER} ${JSON.stringify(position ?? {})}\n${rows.length ? `${rows.join('\n')}\n` : ''}`;
}

/** The contract's text of a sealed plaintext (what the download serves): everything before the section. */
export function contractTextOf(plaintext: Buffer): Buffer {
  const at = plaintext.indexOf(`\n${MARKER} `);
  return at < 0 ? plaintext : plaintext.subarray(0, at + 1);
}

/** Splits a sealed plaintext; `section` is undefined for objects written before it existed. */
export function splitRestoreSection(plaintext: string): { text: string; section?: { position?: ChainPosition; rows: RestoreRow[] } } {
  const at = plaintext.indexOf(`\n${MARKER} `);
  if (at < 0) return { text: plaintext };
  const lines = plaintext.slice(at + 1).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const position = JSON.parse(lines[0]!.slice(MARKER.length + 1)) as Partial<ChainPosition>;
  const rows = lines.slice(1).map((line) => {
    const [seq, sentAt, clientMsgId, messageId] = JSON.parse(line) as [number, string, string, string];
    return { seq, sentAt, clientMsgId, messageId };
  });
  return {
    text: plaintext.slice(0, at + 1),
    section: { position: typeof position.chain === 'string' ? (position as ChainPosition) : undefined, rows },
  };
}
