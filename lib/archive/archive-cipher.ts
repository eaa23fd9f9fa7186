import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { ArchiveKeyring } from './archive-keyring';

/**
 * Object format (OHA2): MAGIC | kind (1 byte: 1 archive, 2 snapshot, 3 snapshot segment) | requestIdx (8 bytes, BE) |
 * keyIdLength (1 byte) | keyId | IV (12) | AES-256-GCM ciphertext | tag (16).
 * The whole header is the authenticated data, so an object copied over another consultation's key (or
 * a snapshot over an archive), a swapped key id or any flipped byte fails to open. Metadata carries the
 * key id and algorithm for operators, never a digest of the plaintext (it would let a bucket reader
 * confirm a guessed transcript).
 *
 * Objects written before the binding (OHA1: MAGIC | keyIdLength | keyId | IV | ciphertext | tag) still
 * open; for them the caller checks the `Consultation:` line of the decrypted text instead.
 */
const MAGIC_V2 = Buffer.from('OHA2');
const MAGIC_V1 = Buffer.from('OHA1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const ARCHIVE_ALGORITHM = 'AES-256-GCM';

export type SealedKind = 'archive' | 'snapshot' | 'segment';
const KIND_BYTE: Record<SealedKind, number> = { archive: 1, snapshot: 2, segment: 3 };

/** Which object a sealed body must be: its kind and consultation. */
export interface SealedIdentity {
  readonly kind: SealedKind;
  readonly requestIdx: number;
}

export interface SealedObject {
  readonly body: Buffer;
  readonly metadata: { 'key-id': string; algorithm: string };
}

export class ArchiveIntegrityError extends Error {
  override readonly name = 'ArchiveIntegrityError';
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function headerV2(identity: SealedIdentity, idBytes: Buffer): Buffer {
  const fixed = Buffer.alloc(1 + 8 + 1);
  fixed[0] = KIND_BYTE[identity.kind];
  fixed.writeBigUInt64BE(BigInt(identity.requestIdx), 1);
  fixed[9] = idBytes.length;
  return Buffer.concat([MAGIC_V2, fixed, idBytes]);
}

export function seal(plaintext: Buffer, identity: SealedIdentity, keyId: string, key: Buffer): SealedObject {
  const idBytes = Buffer.from(keyId, 'utf8');
  if (idBytes.length > 255) throw new Error('key id too long');
  const header = headerV2(identity, idBytes);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { body: Buffer.concat([header, iv, ciphertext, cipher.getAuthTag()]), metadata: { 'key-id': keyId, algorithm: ARCHIVE_ALGORITHM } };
}

/**
 * Decrypts and authenticates the object as `expected`; tampering, an unknown key id or an object that is
 * not `expected` is an ArchiveIntegrityError. `legacy` is true for an unbound OHA1 object.
 */
export function open(body: Buffer, keyring: ArchiveKeyring, expected: SealedIdentity): { plaintext: Buffer; legacy: boolean } {
  const magic = body.subarray(0, 4);
  const legacy = magic.equals(MAGIC_V1);
  if (!legacy && !magic.equals(MAGIC_V2)) throw new ArchiveIntegrityError('not an Office Hours archive object');
  const idLengthAt = legacy ? 4 : 4 + 1 + 8;
  if (body.length < idLengthAt + 1 + IV_BYTES + TAG_BYTES) throw new ArchiveIntegrityError('archive object is truncated');
  if (!legacy) {
    const kind = body[4];
    const requestIdx = Number(body.readBigUInt64BE(5));
    if (kind !== KIND_BYTE[expected.kind] || requestIdx !== expected.requestIdx) {
      throw new ArchiveIntegrityError(`object is not the ${expected.kind} of consultation ${expected.requestIdx} (it was swapped or copied)`);
    }
  }
  const headerEnd = idLengthAt + 1 + body[idLengthAt]!;
  if (body.length < headerEnd + IV_BYTES + TAG_BYTES) throw new ArchiveIntegrityError('archive object is truncated');
  const keyId = body.toString('utf8', idLengthAt + 1, headerEnd);
  const key = keyring.keys.get(keyId);
  if (!key) throw new ArchiveIntegrityError(`archive key "${keyId}" is not in ARCHIVE_KEYS`);
  const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(headerEnd, headerEnd + IV_BYTES));
  decipher.setAAD(body.subarray(0, headerEnd));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    const plaintext = Buffer.concat([decipher.update(body.subarray(headerEnd + IV_BYTES, body.length - TAG_BYTES)), decipher.final()]);
    return { plaintext, legacy };
  } catch {
    throw new ArchiveIntegrityError('archive object failed authentication (tampered or corrupted)');
  }
}
