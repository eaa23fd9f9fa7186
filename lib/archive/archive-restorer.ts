import { createHash } from 'node:crypto';
import type { ArchiveKeyring } from './archive-keyring';
import type { ChatLog } from '../chat/chat-log';
import type { HotLogRebuilder } from '../chat/hot-log-rebuilder';
import type { ChatMessage } from '../chat/chat-message';
import type { ChatMessageRepository } from '../chat/chat-message-repository';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import { CHAT_OPEN_STATUSES } from '../consultation/consultation-status';
import type { ObjectStore } from '../storage/object-store';
import { archiveObjectKey, snapshotObjectKey } from '../storage/object-keys';
import { readSealedObject } from './archive-reader';
import { parseArchive } from './archive-text';

export type RestoreSource = 'archive' | 'temp';

export interface RestoreReport {
  source: RestoreSource;
  lines: number;
  inserted: number;
  redisRebuilt: boolean;
}

/**
 * Rebuilds a room's messages in PostgreSQL from its archive or temp snapshot (decrypting), and its
 * Redis log if the consultation is still open. Rows already present are kept (inserts are idempotent),
 * so restore fills gaps and can be run again safely. The text keeps second precision and no client ids:
 * restored rows get seq = line number and a clientMsgId of `restored-{seq}`.
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
    const text = await readSealedObject(d.store, d.keyring, key, { kind: source === 'archive' ? 'archive' : 'snapshot', requestIdx });
    if (!text) throw new Error(`no ${source} object ${key}`);
    const parsed = parseArchive(text.toString('utf8'), d.timeZone);
    const messages: ChatMessage[] = parsed.lines.map((line, i) => ({
      requestIdx,
      seq: i + 1,
      messageId: createHash('sha256')
        .update(`${requestIdx}:${i + 1}:${line.content}`)
        .digest('hex')
        .slice(0, 32),
      senderId: line.role === 'STUDENT' ? c.studentId : c.professorId,
      senderRole: line.role,
      content: line.content,
      sentAt: line.sentAt.toISOString(),
      clientMsgId: `restored-${i + 1}`,
    }));
    let inserted = 0;
    for (let i = 0; i < messages.length; i += 500) {
      inserted += (await d.messages.insertMany(messages.slice(i, i + 500))).size;
      progress(Math.min(i + 500, messages.length), messages.length);
    }
    if (messages.length === 0) progress(0, 0);
    let redisRebuilt = false;
    if (CHAT_OPEN_STATUSES.includes(c.status)) {
      // The hot log rebuilds from PostgreSQL by seq (committing anything it still held first).
      await d.chatLog.invalidate(requestIdx);
      await d.rebuilder.rebuild(requestIdx, 'restore');
      redisRebuilt = true;
    }
    return { source, lines: messages.length, inserted, redisRebuilt };
  }
}
