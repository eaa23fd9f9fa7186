import type { ArchiveKeyring } from '../archive/archive-keyring';
import type { SealedKind } from '../archive/archive-cipher';
import { headerOf } from '../archive/consultation-archiver';
import type { Sealer } from '../archive/sealer';
import type { ChatMessageRepository } from '../chat/chat-message-repository';
import { readAllPages } from '../chat/seq-pages';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import type { ObjectStore } from '../storage/object-store';
import { archiveObjectKey, snapshotObjectKey } from '../storage/object-keys';

const PAGE = 5000;

/**
 * Re-seals a room's existing archive and snapshot from PostgreSQL under the active key, after its rows
 * were rewritten (an erasure). Objects that do not exist are not created: the archive job and the backup
 * cycle make those from the same rows later.
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
    const [archive, snapshot] = await Promise.all([this.d.store.exists(archiveObjectKey(requestIdx)), this.d.store.exists(snapshotObjectKey(requestIdx))]);
    if (!archive && !snapshot) return { archive, snapshot };
    const c = await this.d.consultations.findById(requestIdx);
    if (!c) return { archive: false, snapshot: false };
    const messages = await readAllPages((after) => this.d.messages.listAfter(requestIdx, after, PAGE), PAGE);
    const seal = async (kind: SealedKind, key: string) => {
      const { activeKeyId, keys } = this.d.keyring;
      const sealed = await this.d.sealer.seal({
        kind,
        header: headerOf(c),
        messages,
        timeZone: this.d.timeZone,
        keyId: activeKeyId,
        key: keys.get(activeKeyId)!,
      });
      await this.d.store.put(key, Buffer.from(sealed.body), sealed.metadata);
    };
    if (archive) await seal('archive', archiveObjectKey(requestIdx));
    if (snapshot) await seal('snapshot', snapshotObjectKey(requestIdx));
    return { archive, snapshot };
  }
}
