import type { Knex } from 'knex';
import type { RoomMessages } from '../chat/hot-log/room-messages';
import { seqOfEncoded, typedRecord } from '../../protocol/chat-message';
import { ConsultationModel, CONSULTATION_TABLE } from '../consultation/consultation.model';
import { CHAT_OPEN_STATUSES } from '../consultation/consultation-status';
import { toConsultationView } from '../consultation/consultation-view';

/** The format's name and version, in the first line (docs/data-office.md). */
export const EXPORT_FORMAT = 'office-hours-export/1';
export const EXPORT_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

const CONSULTATION_PAGE = 100;
const MESSAGE_PAGE = 1000;
const ROW_PAGE = 500;
const CHUNK_BYTES = 64 * 1024;

/**
 * Everything held about one user as NDJSON, one record per line with a `type`: `export`, `user`, then each
 * consultation followed by its messages in seq order (read as the history route reads them, so the two
 * agree), then `deviceToken` and `notification` rows, and a closing `end` with the counts. Every source is
 * read page by page and written in 64 KiB chunks, so memory does not grow with the user's history.
 */
export async function* exportUserData(d: { knex: Knex; roomMessages: RoomMessages }, userId: string, now = new Date()): AsyncIterable<Buffer> {
  const out = new LineBuffer();
  const counts: ExportCounts = { consultations: 0, messages: 0, deviceTokens: 0, notifications: 0 };
  out.push({ type: 'export', format: EXPORT_FORMAT, userId, generatedAt: now.toISOString() });
  const user = (await d.knex('users').where('id', userId).first('id', 'name', 'role', 'created_at')) as Record<string, unknown> | undefined;
  if (user) out.push({ type: 'user', id: user['id'], name: user['name'], role: user['role'], createdAt: iso(user['created_at']) });
  yield* consultationRecords(d, userId, out, counts);
  for await (const t of pages(d.knex, 'device_token', 'token', userId)) {
    out.push({ type: 'deviceToken', token: t['token'], platform: t['platform'], createdAt: iso(t['created_at']), lastSeenAt: iso(t['last_seen_at']) });
    counts.deviceTokens++;
    if (out.full) yield out.take();
  }
  for await (const n of pages(d.knex, 'notification_log', 'id', userId)) {
    out.push(notificationRecord(n));
    counts.notifications++;
    if (out.full) yield out.take();
  }
  out.push({ type: 'end', ...counts });
  yield out.take();
}

interface ExportCounts {
  consultations: number;
  messages: number;
  deviceTokens: number;
  notifications: number;
}

/** Each consultation, then its messages in seq order, read as the history route reads them (so the two agree). */
async function* consultationRecords(
  d: { knex: Knex; roomMessages: RoomMessages },
  userId: string,
  out: LineBuffer,
  counts: ExportCounts,
): AsyncIterable<Buffer> {
  for (let after = 0; ;) {
    const page = await consultationsAfter(d.knex, userId, after);
    for (const c of page) {
      out.push({ type: 'consultation', ...toConsultationView(c) });
      counts.consultations++;
      for (let seq = 0; ;) {
        const raw = await d.roomMessages.readRaw(c.requestIdx, seq, MESSAGE_PAGE, CHAT_OPEN_STATUSES.includes(c.status));
        for (const r of raw) out.pushRaw(typedRecord('message', r));
        counts.messages += raw.length;
        if (out.full) yield out.take();
        if (raw.length < MESSAGE_PAGE) break;
        seq = seqOfEncoded(raw[raw.length - 1]!);
      }
      if (out.full) yield out.take();
    }
    if (page.length < CONSULTATION_PAGE) return;
    after = page[page.length - 1]!.requestIdx;
  }
}

const notificationRecord = (n: Record<string, unknown>) => ({
  type: 'notification',
  id: Number(n['id']),
  kind: n['kind'],
  requestIdx: n['request_idx'] === null ? null : Number(n['request_idx']),
  status: n['status'],
  attempts: n['attempts'],
  lastError: n['last_error'],
  createdAt: iso(n['created_at']),
  updatedAt: iso(n['updated_at']),
});

async function consultationsAfter(knex: Knex, userId: string, after: number): Promise<ConsultationModel[]> {
  const rows = (await knex(`${CONSULTATION_TABLE} as c`)
    .join('users as s', 's.id', 'c.student_id')
    .join('users as p', 'p.id', 'c.professor_id')
    .whereRaw('(c.student_id = ? OR c.professor_id = ?)', [userId, userId])
    .andWhere('c.request_idx', '>', after)
    .orderBy('c.request_idx')
    .limit(CONSULTATION_PAGE)
    .select('c.*', 's.name as student_name', 'p.name as professor_name')) as Record<string, unknown>[];
  return rows.map((r) => ConsultationModel.fromDatabaseJson(r));
}

/** A user's rows of one table in key order, a page at a time. */
async function* pages(knex: Knex, table: string, key: string, userId: string): AsyncIterable<Record<string, unknown>> {
  for (let after: string | number | undefined; ;) {
    const q = knex(table).where('user_id', userId).orderBy(key).limit(ROW_PAGE);
    if (after !== undefined) q.andWhere(key, '>', after);
    const rows = (await q) as Record<string, unknown>[];
    yield* rows;
    if (rows.length < ROW_PAGE) return;
    after = rows[rows.length - 1]![key] as string | number;
  }
}

const iso = (v: unknown) => (v ? new Date(v as Date).toISOString() : null);

/** NDJSON lines gathered into chunks of about CHUNK_BYTES. */
class LineBuffer {
  private parts: string[] = [];
  private size = 0;

  push(record: object): void {
    this.pushRaw(JSON.stringify(record));
  }

  pushRaw(line: string): void {
    this.parts.push(line, '\n');
    this.size += line.length + 1;
  }

  get full(): boolean {
    return this.size >= CHUNK_BYTES;
  }

  take(): Buffer {
    const chunk = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    return chunk;
  }
}
