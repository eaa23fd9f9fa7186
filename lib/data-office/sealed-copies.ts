import type { ArchiveKeyring } from '../archive/archive-keyring';
import type { SealedKind } from '../archive/archive-cipher';
import { readSealedObject } from '../archive/archive-reader';
import { headerOf } from '../archive/consultation-archiver';
import { splitRestoreSection } from '../archive/restore-section';
import type { SealPosition, Sealer } from '../archive/sealer';
import { listSegments } from '../archive/snapshot-chain';
import { parseSegment } from '../archive/snapshot-segment';
import type { ChatMessage } from '../../protocol/chat-message';
import type { ChatMessageRepository } from '../chat/persistence/chat-message-repository';
import { readAllPages } from '../chat/hot-log/seq-pages';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import type { ConsultationModel } from '../consultation/consultation.model';
import { AppError } from '../errors/app-error';
import type { ObjectStore } from '../storage/object-store';
import { archiveObjectKey, snapshotObjectKey } from '../storage/object-keys';

const PAGE = 5000;

/**
 * Re-seals a room's existing archive, snapshot base and snapshot segments from PostgreSQL under the active
 * key, after its rows were rewritten (an erasure). Each object keeps its place: the base its chain id and
 * last seq, each segment its seq range, so the backup cycle's chain continues from them. Objects that do
 * not exist are not created: the archive job and the backup cycle make those from the same rows later. A
 * segment that cannot be opened (so cannot be rewritten) is removed.
 */
export class SealedCopies {
  constructor(
    private readonly d: {
      consultations: ConsultationRepository;
      messages: ChatMessageRepository;
      store: ObjectStore;
      sealer: Sealer;
      keyring: ArchiveKeyring;
      timeZone: string;
    },
  ) {}

  async resealFromDatabase(requestIdx: number): Promise<{ archive: boolean; snapshot: boolean }> {
    const [archive, snapshot, segments] = await Promise.all([
      this.d.store.exists(archiveObjectKey(requestIdx)),
      this.d.store.exists(snapshotObjectKey(requestIdx)),
      listSegments(this.d.store, requestIdx),
    ]);
    if (!archive && !snapshot && segments.length === 0) return { archive, snapshot };
    const c = await this.d.consultations.findById(requestIdx);
    if (!c) return { archive: false, snapshot: false };
    const messages = await readAllPages((after) => this.d.messages.listAfter(requestIdx, after, PAGE), PAGE);
    if (archive) await this.seal(c, 'archive', archiveObjectKey(requestIdx), messages);
    if (snapshot) {
      const position = await this.positionOf(requestIdx, 'snapshot', snapshotObjectKey(requestIdx));
      const upTo = position?.upTo ?? Number.MAX_SAFE_INTEGER;
      await this.seal(
        c,
        'snapshot',
        snapshotObjectKey(requestIdx),
        messages.filter((m) => m.seq <= upTo),
        position,
      );
    }
    for (const s of segments) {
      const position = await this.positionOf(requestIdx, 'segment', s.key);
      if (!position || position.after === undefined) {
        await this.d.store.remove(s.key);
        continue;
      }
      const { after, upTo } = position;
      await this.seal(
        c,
        'segment',
        s.key,
        messages.filter((m) => m.seq > after && m.seq <= upTo),
        position,
      );
    }
    return { archive, snapshot };
  }

  /** Where the object stands in its chain; undefined when it has no position or cannot be opened. */
  private async positionOf(requestIdx: number, kind: 'snapshot' | 'segment', key: string): Promise<SealPosition | undefined> {
    let plaintext;
    try {
      plaintext = await readSealedObject(this.d.store, this.d.keyring, key, { kind, requestIdx });
    } catch (err) {
      if (err instanceof AppError) return undefined; // failed its integrity check: rewritten whole or removed
      throw err;
    }
    if (!plaintext) return undefined;
    if (kind === 'segment') return parseSegment(plaintext.toString('utf8')).position;
    return splitRestoreSection(plaintext.toString('utf8')).section?.position;
  }

  private async seal(c: ConsultationModel, kind: SealedKind, key: string, messages: ChatMessage[], position?: SealPosition): Promise<void> {
    const { activeKeyId, keys } = this.d.keyring;
    const sealed = await this.d.sealer.seal({
      kind,
      header: headerOf(c),
      messages,
      timeZone: this.d.timeZone,
      keyId: activeKeyId,
      key: keys.get(activeKeyId)!,
      position,
    });
    await this.d.store.put(key, Buffer.from(sealed.body.buffer, sealed.body.byteOffset, sealed.body.byteLength), sealed.metadata);
  }
}
