import type { ArchiveKeyring } from './archive-keyring';
import type { ChatLog } from '../chat/hot-log/chat-log';
import { readAllPages } from '../chat/hot-log/seq-pages';
import type { ChatMessageRepository } from '../chat/persistence/chat-message-repository';
import type { ChatPersister } from '../chat/persistence/chat-persister';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import type { ConsultationModel } from '../consultation/consultation.model';
import { participantsOf } from '../consultation/consultation-view';
import type { Logger } from '../logging/logger';
import type { ObjectStore } from '../storage/object-store';
import { archiveObjectKey } from '../storage/object-keys';
import { removeSnapshot } from './snapshot-chain';
import { open, sha256Hex } from './archive-cipher';
import type { ArchiveHeader } from './archive-text';
import { UnrecoverableError } from 'bullmq';
import type { Sealer } from './sealer';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys';
import { withRoomRewriteLock } from './room-rewrite-lock';

export const headerOf = (c: ConsultationModel): ArchiveHeader => ({
  requestIdx: c.requestIdx,
  ...participantsOf(c),
  title: c.title,
  startedAt: c.startedAt,
  endedAt: c.endedAt,
  endReason: c.endReason,
});

const PAGE = 5000;

export type ArchiveOutcome = 'archived' | 'already-archived' | 'not-completed' | 'purged';

/**
 * The end-of-consultation archive, in an order that is safe to repeat: commit pending messages,
 * build the text from PostgreSQL, seal, upload, read back and verify, mark archived, and only then
 * delete the Redis log and the temp snapshot (base and segments). A failure anywhere deletes nothing; a retry redoes it.
 */
export class ConsultationArchiver {
  constructor(
    private readonly deps: {
      consultations: ConsultationRepository;
      messages: ChatMessageRepository;
      persister: ChatPersister;
      chatLog: ChatLog;
      store: ObjectStore;
      sealer: Sealer;
      keyring: ArchiveKeyring;
      timeZone: string;
      /** Largest archive object written (ARCHIVE_MAX_BYTES); the log cap keeps rooms below it. */
      maxObjectBytes: number;
      redis: Redis;
      keys: RedisKeys;
      log: Logger;
    },
  ) {}

  async archive(requestIdx: number): Promise<ArchiveOutcome> {
    const outcome = await withRoomRewriteLock(this.deps.redis, this.deps.keys, requestIdx, () => this.archiveUnlocked(requestIdx));
    // An erasure is rewriting the room: the job's retry archives what it leaves.
    if (outcome === undefined) throw new Error(`consultation ${requestIdx} is being rewritten; archive retried`);
    return outcome;
  }

  private async archiveUnlocked(requestIdx: number): Promise<ArchiveOutcome> {
    const d = this.deps;
    const log = d.log.child({ requestIdx });
    const c = await d.consultations.findById(requestIdx);
    if (!c || c.status !== 'COMPLETED') return 'not-completed';
    // Retention took it (its messages are gone): an archive now would be an empty one.
    if (c.purgedAt) return 'purged';
    if (c.archivedAt) {
      await this.removeHotCopies(requestIdx);
      return 'already-archived';
    }
    await d.persister.persistRoom(requestIdx);
    const messages = await readAllPages((after) => d.messages.listAfter(requestIdx, after, PAGE), PAGE);
    const key = d.keyring.keys.get(d.keyring.activeKeyId)!;
    const sealed = await d.sealer.seal({ kind: 'archive', header: headerOf(c), messages, timeZone: d.timeZone, keyId: d.keyring.activeKeyId, key });
    const objectKey = archiveObjectKey(requestIdx);
    const body = Buffer.from(sealed.body);
    // Retrying cannot shrink a log or repair a store that returns other bytes: fail for good, loudly.
    if (body.length > d.maxObjectBytes) throw new UnrecoverableError(`archive of consultation ${requestIdx} is ${body.length} bytes, over ${d.maxObjectBytes}`);
    await d.store.put(objectKey, body, sealed.metadata);

    const stored = await d.store.get(objectKey);
    if (!stored) throw new Error('uploaded archive is not there yet');
    if (sha256Hex(stored.body) !== sha256Hex(body)) throw new UnrecoverableError('uploaded archive does not read back identically');
    open(stored.body, d.keyring, { kind: 'archive', requestIdx });

    await d.consultations.markArchived(requestIdx);
    await this.removeHotCopies(requestIdx);
    log.info({ messages: messages.length, bytes: body.length }, 'consultation archived');
    return 'archived';
  }

  private async removeHotCopies(requestIdx: number): Promise<void> {
    await this.deps.chatLog.remove(requestIdx);
    await removeSnapshot(this.deps.store, requestIdx);
  }
}
