import { AppError } from '../errors/app-error';
import type { ArchiveKeyring } from '../config/config';
import type { ObjectStore } from '../storage/object-store';
import { ArchiveIntegrityError, open } from './archive-cipher';

/** Reads and decrypts an archive or snapshot object; undefined when absent; tampering is an error, never garbage. */
export async function readSealedObject(store: ObjectStore, keyring: ArchiveKeyring, key: string): Promise<Buffer | undefined> {
  const obj = await store.get(key);
  if (!obj) return undefined;
  try {
    return open(obj.body, keyring, obj.metadata['plaintext-sha256']);
  } catch (err) {
    if (err instanceof ArchiveIntegrityError) throw new AppError('INTERNAL', `archive ${key} failed its integrity check and was not served: ${err.message}`);
    throw err;
  }
}
