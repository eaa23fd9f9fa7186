import type { ChatMessage } from '../chat/chat-message';
import { formatZoned, parseZoned } from './zoned-time';

/** What the archive header states about a consultation (CONTRACT §6). */
export interface ArchiveHeader {
  requestIdx: number;
  studentId: string;
  studentName: string;
  professorId: string;
  professorName: string;
  title: string;
  startedAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
}

export interface ArchiveLine {
  sentAt: Date;
  name: string;
  role: 'STUDENT' | 'PROFESSOR';
  content: string;
}

const SEPARATOR = '----';
const LINE = /^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\] (.*?) \((STUDENT|PROFESSOR)\): (.*)$/;

/** Backslash → `\\`, newline → `\n`: one message, one line. */
export const escapeLine = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

export function unescapeLine(s: string): string {
  return s.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
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
    out.push(`[${formatZoned(new Date(m.sentAt), timeZone)}] ${escapeLine(name)} (${m.senderRole}): ${escapeLine(m.content)}`);
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
    if (!m) throw new Error(`archive line ${sep + i + 2} does not parse`);
    return { sentAt: parseZoned(m[1]!, timeZone), name: unescapeLine(m[2]!), role: m[3] as 'STUDENT' | 'PROFESSOR', content: unescapeLine(m[4]!) };
  });
  return { header, lines };
}
