import { createCipheriv, randomBytes } from 'node:crypto';
import { ArchiveIntegrityError, open, seal } from '../../lib/archive/archive-cipher';
import { escapeLine, formatArchive, parseArchive, unescapeLine } from '../../lib/archive/archive-text';
import { formatZoned, parseZoned } from '../../lib/archive/zoned-time';
import type { ChatMessage } from '../../protocol/chat-message';

const header = {
  requestIdx: 7,
  studentId: 's1',
  studentName: '김학생',
  professorId: 'p1',
  professorName: 'Prof. Lee',
  title: 'Midterm\nquestion',
  startedAt: new Date('2026-11-24T05:00:00Z'),
  endedAt: new Date('2026-11-24T06:30:00Z'),
  endReason: 'USER',
};
const msg = (seq: number, senderRole: 'STUDENT' | 'PROFESSOR', content: string, sentAt: string): ChatMessage => ({
  requestIdx: 7,
  seq,
  messageId: `m${seq}`,
  senderId: senderRole === 'STUDENT' ? 's1' : 'p1',
  senderRole,
  content,
  sentAt,
  clientMsgId: `c${seq}`,
});

describe('archive text', () => {
  const messages = [
    msg(1, 'STUDENT', '안녕하세요\n두 줄', '2026-11-24T05:00:05Z'),
    msg(2, 'PROFESSOR', 'a \\n literal and a \\ backslash', '2026-11-24T05:01:00Z'),
    msg(3, 'STUDENT', 'Prof (PROFESSOR): tricky 😀', '2026-11-24T05:02:00Z'),
  ];

  it('formats the header and one line per message in the archive time zone', () => {
    const text = formatArchive(header, messages, 'Asia/Seoul');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('Consultation: 7');
    expect(lines).toContain('Title: Midterm\\nquestion');
    expect(lines).toContain('Start: 2026-11-24 14:00:00');
    expect(lines).toContain('End reason: USER');
    expect(lines.slice(-3)).toEqual([
      '[2026-11-24 14:00:05] 김학생 (STUDENT): 안녕하세요\\n두 줄',
      '[2026-11-24 14:01:00] Prof. Lee (PROFESSOR): a \\\\n literal and a \\\\ backslash',
      '[2026-11-24 14:02:00] 김학생 (STUDENT): Prof (PROFESSOR): tricky 😀',
    ]);
  });

  it('parses every line back', () => {
    const { header: h, lines } = parseArchive(formatArchive(header, messages, 'Asia/Seoul'), 'Asia/Seoul');
    expect(h['Consultation']).toBe('7');
    expect(lines.map((l) => l.content)).toEqual(messages.map((m) => m.content));
    expect(lines.map((l) => l.sentAt.toISOString())).toEqual(messages.map((m) => new Date(m.sentAt).toISOString()));
    expect(lines.map((l) => l.role)).toEqual(['STUDENT', 'PROFESSOR', 'STUDENT']);
  });

  it('escapes reversibly', () => {
    for (const s of ['\\', '\\n', '\n\\\n', 'plain', '\\\\n\n']) expect(unescapeLine(escapeLine(s))).toBe(s);
  });

  it.each([
    ['Kim (PROFESSOR): I grant you an A', 'Lee'],
    ['back\\slash \\(', 'Prof (x))'],
    ['two\nlines', 'emoji 😀 (STUDENT): hi'],
  ])('hostile names %j / %j keep every line attributed to its real sender', (studentName, professorName) => {
    const h = { ...header, studentName, professorName };
    const text = formatArchive(h, messages, 'Asia/Seoul');
    const body = text.split('----\n')[1]!.trimEnd().split('\n');
    expect(body).toHaveLength(messages.length);
    const parsed = parseArchive(text, 'Asia/Seoul').lines;
    expect(parsed.map((l) => l.role)).toEqual(messages.map((m) => m.senderRole));
    expect(parsed.map((l) => l.name)).toEqual(messages.map((m) => (m.senderRole === 'STUDENT' ? studentName : professorName)));
    expect(parsed.map((l) => l.content)).toEqual(messages.map((m) => m.content));
  });

  it('reads archives written before names were escaped', () => {
    const legacy = 'Consultation: 7\n----\n[2026-11-24 14:00:05] Kim (STUDENT): hi (there)\n';
    expect(parseArchive(legacy, 'Asia/Seoul').lines).toEqual([
      { sentAt: new Date('2026-11-24T05:00:05Z'), name: 'Kim', role: 'STUDENT', content: 'hi (there)' },
    ]);
  });

  it('converts zoned times both ways, across DST', () => {
    const d = new Date('2026-03-08T10:30:00Z');
    expect(parseZoned(formatZoned(d, 'America/New_York'), 'America/New_York').toISOString()).toBe(d.toISOString());
    expect(formatZoned(new Date('2026-11-24T15:00:00Z'), 'Asia/Seoul')).toBe('2026-11-25 00:00:00');
  });
});

describe('archive cipher', () => {
  const k1 = Buffer.alloc(32, 1);
  const k2 = Buffer.alloc(32, 2);
  const keyring = {
    activeKeyId: 'new',
    keys: new Map([
      ['old', k1],
      ['new', k2],
    ]),
  };

  const as = (requestIdx: number, kind: 'archive' | 'snapshot' = 'archive') => ({ kind, requestIdx });

  it('round-trips with metadata (no plaintext digest), and an old key id still decrypts', () => {
    const plain = Buffer.from('secret consultation text 비밀');
    const sealed = seal(plain, as(7), 'old', k1);
    expect(sealed.metadata).toEqual({ 'key-id': 'old', algorithm: 'AES-256-GCM' });
    expect(sealed.body.includes(plain)).toBe(false);
    expect(open(sealed.body, keyring, as(7))).toEqual({ plaintext: plain, legacy: false });
  });

  it('binds the object to its kind and consultation: a copied or swapped object is refused', () => {
    const sealed = seal(Buffer.from('Consultation: 35\n'), as(35), 'new', k2).body;
    expect(() => open(sealed, keyring, as(36))).toThrow(/not the archive of consultation 36/);
    expect(() => open(sealed, keyring, as(35, 'snapshot'))).toThrow(ArchiveIntegrityError);
    // Rewriting the bound id in the header breaks authentication.
    const forged = Buffer.from(sealed);
    forged.writeBigUInt64BE(36n, 5);
    expect(() => open(forged, keyring, as(36))).toThrow(/failed authentication/);
  });

  it('still opens objects written before the binding (OHA1), flagged as legacy', () => {
    const plain = Buffer.from('Consultation: 9\nold text');
    const header = Buffer.concat([Buffer.from('OHA1'), Buffer.from([3]), Buffer.from('new')]);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', k2, iv);
    c.setAAD(header);
    const body = Buffer.concat([header, iv, c.update(plain), c.final(), c.getAuthTag()]);
    expect(open(body, keyring, as(9))).toEqual({ plaintext: plain, legacy: true });
  });

  it('uses a fresh IV per object', () => {
    const a = seal(Buffer.from('same'), as(1), 'new', k2).body;
    const b = seal(Buffer.from('same'), as(1), 'new', k2).body;
    expect(a.equals(b)).toBe(false);
  });

  it('refuses any flipped byte and an unknown key', () => {
    const sealed = seal(Buffer.from('x'.repeat(100)), as(1), 'new', k2).body;
    for (const i of [0, 5, 10, 30, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[i] = bad[i]! ^ 0x01;
      expect(() => open(bad, keyring, as(1))).toThrow(ArchiveIntegrityError);
    }
    expect(() => open(sealed, { activeKeyId: 'old', keys: new Map([['old', k1]]) }, as(1))).toThrow(/not in ARCHIVE_KEYS/);
    expect(() => open(Buffer.from('short'), keyring, as(1))).toThrow(ArchiveIntegrityError);
  });
});
