import { AppError } from '../errors/app-error';
import type { ArchiveKeyring } from './archive-keyring';
import type { ObjectStore } from '../storage/object-store';
import { ArchiveIntegrityError, open, type SealedIdentity } from './archive-cipher';
import { archiveObjectKey } from '../storage/object-keys';
import { contractTextOf } from './restore-section';

/**
 * Reads and decrypts the archive or snapshot of one consultation; undefined when absent. An object that
 * fails authentication or is not this consultation's is an error, never served. Objects written before
 * the identity binding (OHA1) are accepted when their text names this consultation.
 */
export async function readSealedObject(store: ObjectStore, keyring: ArchiveKeyring, key: string, identity: SealedIdentity): Promise<Buffer | undefined> {
  const obj = await store.get(key);
  if (!obj) return undefined;
  try {
    const { plaintext, legacy } = open(obj.body, keyring, identity);
    if (legacy && !plaintext.subarray(0, 64).toString('utf8').startsWith(`Consultation: ${identity.requestIdx}\n`)) {
      throw new ArchiveIntegrityError(`object is not the ${identity.kind} of consultation ${identity.requestIdx}`);
    }
    return plaintext;
  } catch (err) {
    if (err instanceof ArchiveIntegrityError) throw new AppError('INTERNAL', `${key} failed its integrity check and was not served: ${err.message}`);
    throw err;
  }
}

/** The final archive as the download serves it: the contract's text, without the restore section. */
export async function readArchiveText(store: ObjectStore, keyring: ArchiveKeyring, requestIdx: number): Promise<Buffer | undefined> {
  const plaintext = await readSealedObject(store, keyring, archiveObjectKey(requestIdx), { kind: 'archive', requestIdx });
  return plaintext && contractTextOf(plaintext);
}
