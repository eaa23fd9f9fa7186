import { createHash } from 'node:crypto';
import type { ArchiveKeyring } from './archive-keyring';
import type { ChatLog } from '../chat/hot-log/chat-log';
import type { HotLogRebuilder } from '../chat/hot-log/hot-log-rebuilder';
import type { ChatMessage } from '../../protocol/chat-message';
import type { ChatMessageRepository } from '../chat/persistence/chat-message-repository';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import type { ConsultationModel } from '../consultation/consultation.model';
import { CHAT_OPEN_STATUSES } from '../consultation/consultation-status';
import type { ObjectStore } from '../storage/object-store';
import { archiveObjectKey, snapshotObjectKey } from '../storage/object-keys';
import { readSealedObject } from './archive-reader';
import { parseArchive } from './archive-text';
import { splitRestoreSection } from './restore-section';
import { readChainTail } from './snapshot-chain';

export type RestoreSource = 'archive' | 'temp';

export interface RestoreReport {
  requestIdx: number;
  source: RestoreSource;
  /** Messages the objects hold (base and applied segments). */
  lines: number;
  /** Rows this run inserted (rows already in PostgreSQL are kept as they are). */
  inserted: number;
  redisRebuilt: boolean;
  /**
   * The object predates the restore section: seqs are its line numbers, client ids `restored-{seq}` and
   * times to the second (as restore did before).
   */
  legacy: boolean;
  /** Temp only: segments applied on top of the base, and segments skipped (of another base, or unlinked). */
  segments: number;
  skippedSegments: number;
}

const ROWS_PER_INSERT = 500;

/**
 * Rebuilds a room's messages in PostgreSQL from its archive, or from its temp snapshot and the segments
 * chained to it (decrypting), and its Redis log if the consultation is still open and anything was missing.
 * Messages come back under the seq, sender, role, content, time (to the millisecond) and clientMsgId they
 * had, read from the object's restore section. Inserts skip rows already present (same room and seq, or
 * same sender and clientMsgId), so restoring into a partly intact table, or over an open room's
 * committed hot tail, adds only what is missing, and a second run inserts nothing.
 */
export class ArchiveRestorer {
  constructor(
    private readonly deps: {
      consultations: ConsultationRepository;
      messages: ChatMessageRepository;
      chatLog: ChatLog;
      rebuilder: HotLogRebuilder;
      store: ObjectStore;
      keyring: ArchiveKeyring;
      timeZone: string;
    },
  ) {}

  async restore(requestIdx: number, source: RestoreSource, progress: (done: number, total: number) => void = () => undefined): Promise<RestoreReport> {
    const d = this.deps;
    const c = await d.consultations.findById(requestIdx);
    if (!c) throw new Error(`consultation ${requestIdx} does not exist`);
    const key = source === 'archive' ? archiveObjectKey(requestIdx) : snapshotObjectKey(requestIdx);
    const plaintext = await readSealedObject(d.store, d.keyring, key, { kind: source === 'archive' ? 'archive' : 'snapshot', requestIdx });
    if (!plaintext) throw new Error(`no ${source} object ${key}`);
    const { text, section } = splitRestoreSection(plaintext.toString('utf8'));
    const parsed = parseArchive(text, d.timeZone);
    if (section && section.rows.length !== parsed.lines.length)
      throw new Error(`${key}: restore section has ${section.rows.length} rows for ${parsed.lines.length} lines`);
    const senderOf = (role: 'STUDENT' | 'PROFESSOR') => (role === 'STUDENT' ? c.studentId : c.professorId);
    const messages: ChatMessage[] = parsed.lines.map((line, i) => {
      const row = section?.rows[i];
      const fromLine = { requestIdx, senderId: senderOf(line.role), senderRole: line.role, content: line.content };
      if (row) return { ...fromLine, ...row };
      // An object sealed before the restore section: what the text cannot say is made up, stably.
      const seq = i + 1;
      return { ...fromLine, seq, messageId: legacyMessageId(requestIdx, seq, line.content), sentAt: line.sentAt.toISOString(), clientMsgId: `restored-${seq}` };
    });
    const tail = source === 'temp' ? await readChainTail(d.store, d.keyring, requestIdx, section?.position) : { messages: [], applied: 0, skipped: 0 };
    messages.push(...tail.messages.map((m) => ({ ...m, requestIdx })));

    let inserted = 0;
    for (let i = 0; i < messages.length; i += ROWS_PER_INSERT) {
      inserted += (await d.messages.insertMany(messages.slice(i, i + ROWS_PER_INSERT))).size;
      progress(Math.min(i + ROWS_PER_INSERT, messages.length), messages.length);
    }
    if (messages.length === 0) progress(0, 0);
    const redisRebuilt = inserted > 0 && (await this.reloadIfOpen(c));
    return { requestIdx, source, lines: messages.length, inserted, redisRebuilt, legacy: !section, segments: tail.applied, skippedSegments: tail.skipped };
  }

  /** An open room's hot log rebuilds from PostgreSQL by seq (committing anything it still held first). */
  private async reloadIfOpen(c: ConsultationModel): Promise<boolean> {
    if (!CHAT_OPEN_STATUSES.includes(c.status)) return false;
    await this.deps.chatLog.invalidate(c.requestIdx);
    await this.deps.rebuilder.rebuild(c.requestIdx, 'restore');
    return true;
  }
}

/** Objects without a restore section: a stable id from room, line seq and content (as restore always made). */
function legacyMessageId(requestIdx: number, seq: number, content: string): string {
  return createHash('sha256').update(`${requestIdx}:${seq}:${content}`).digest('hex').slice(0, 32);
}
