import type { ChatMessage } from '../../protocol/chat-message';
import type { Consultation } from '../../protocol/consultation';
import { formatZoned, parseZoned } from './zoned-time';

/** What the archive header states about a consultation (CONTRACT §6). */
export type ArchiveHeader = Pick<Consultation, 'requestIdx' | 'studentId' | 'studentName' | 'professorId' | 'professorName' | 'title'> & {
  startedAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
};

export interface ArchiveLine {
  sentAt: Date;
  name: string;
  role: 'STUDENT' | 'PROFESSOR';
  content: string;
}

const SEPARATOR = '----';
const STAMP = '\\[(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2})\\]';
/** A name is escaped (no bare `(`, `)` or `\\`), so the first ` (ROLE): ` is always the sender's. */
const LINE = new RegExp(`^${STAMP} ((?:[^\\\\()]|\\\\.)*) \\((STUDENT|PROFESSOR)\\): (.*)$`);
/** Archives written before names were escaped: the name runs to the first role marker. */
const LEGACY_LINE = new RegExp(`^${STAMP} (.*?) \\((STUDENT|PROFESSOR)\\): (.*)$`);

/** Backslash → `\\`, newline → `\n`: one message, one line. */
export const escapeLine = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

export function unescapeLine(s: string): string {
  return s.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** A sender name in a message line (CONTRACT §6): `\\`, `(`, `)` and newline escaped. */
export const escapeName = (s: string) => s.replace(/[\\()\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

export function unescapeName(s: string): string {
  return s.replace(/\\([\\()n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** The archive text: header, separator, then `[YYYY-MM-DD HH:mm:ss] Name (ROLE): content` per message in seq order. */
export function formatArchive(header: ArchiveHeader, messages: readonly ChatMessage[], timeZone: string): string {
  const time = (d: Date | null) => (d ? formatZoned(d, timeZone) : '-');
  const out = [
    `Consultation: ${header.requestIdx}`,
    `Student: ${escapeLine(header.studentName)} (${escapeLine(header.studentId)})`,
    `Professor: ${escapeLine(header.professorName)} (${escapeLine(header.professorId)})`,
    `Title: ${escapeLine(header.title)}`,
    `Start: ${time(header.startedAt)}`,
    `End: ${time(header.endedAt)}`,
    `End reason: ${header.endReason ?? '-'}`,
    `Time zone: ${timeZone}`,
    SEPARATOR,
  ];
  for (const m of messages) {
    const name = m.senderRole === 'STUDENT' ? header.studentName : header.professorName;
    out.push(`[${formatZoned(new Date(m.sentAt), timeZone)}] ${escapeName(name)} (${m.senderRole}): ${escapeLine(m.content)}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * Parses the message lines back (restore). Header lines are returned as key/value pairs; times are read
 * in the archive's own `Time zone:` header, or in `defaultTimeZone` for texts without one.
 */
export function parseArchive(text: string, defaultTimeZone: string): { header: Record<string, string>; lines: ArchiveLine[] } {
  const rows = text.split('\n');
  if (rows[rows.length - 1] === '') rows.pop();
  const sep = rows.indexOf(SEPARATOR);
  if (sep < 0) throw new Error('archive text has no header separator');
  const header: Record<string, string> = {};
  for (const row of rows.slice(0, sep)) {
    const colon = row.indexOf(': ');
    if (colon > 0) header[row.slice(0, colon)] = row.slice(colon + 2);
  }
  const timeZone = header['Time zone'] ?? defaultTimeZone;
  const lines = rows.slice(sep + 1).map((row, i) => {
    const m = LINE.exec(row);
    const legacy = m ? undefined : LEGACY_LINE.exec(row);
    const hit = m ?? legacy;
    if (!hit) throw new Error(`archive line ${sep + i + 2} does not parse`);
    const name = m ? unescapeName(hit[2]!) : unescapeLine(hit[2]!);
    return { sentAt: parseZoned(hit[1]!, timeZone), name, role: hit[3] as 'STUDENT' | 'PROFESSOR', content: unescapeLine(hit[4]!) };
  });
  return { header, lines };
}
