import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { ArchiveKeyring } from '../config/config';

/**
 * Object format: MAGIC | keyIdLength (1 byte) | keyId | IV (12) | AES-256-GCM ciphertext | tag (16).
 * The header is authenticated (AAD), so a swapped key id or any flipped byte fails decryption.
 * Metadata repeats key id, algorithm and the plaintext SHA-256 for operators and verification.
 */
const MAGIC = Buffer.from('OHA1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const ARCHIVE_ALGORITHM = 'AES-256-GCM';

export interface SealedObject {
  readonly body: Buffer;
  readonly metadata: { 'key-id': string; algorithm: string; 'plaintext-sha256': string };
}

export class ArchiveIntegrityError extends Error {
  override readonly name = 'ArchiveIntegrityError';
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function seal(plaintext: Buffer, keyId: string, key: Buffer): SealedObject {
  const idBytes = Buffer.from(keyId, 'utf8');
  if (idBytes.length > 255) throw new Error('key id too long');
  const header = Buffer.concat([MAGIC, Buffer.from([idBytes.length]), idBytes]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    body: Buffer.concat([header, iv, ciphertext, cipher.getAuthTag()]),
    metadata: { 'key-id': keyId, algorithm: ARCHIVE_ALGORITHM, 'plaintext-sha256': sha256Hex(plaintext) },
  };
}

/** Decrypts and authenticates; any tampering or an unknown key id is an ArchiveIntegrityError. */
export function open(body: Buffer, keyring: ArchiveKeyring, expectedSha256?: string): Buffer {
  if (body.length < MAGIC.length + 1 + IV_BYTES + TAG_BYTES || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ArchiveIntegrityError('not an Office Hours archive object');
  }
  const idLength = body[MAGIC.length]!;
  const headerEnd = MAGIC.length + 1 + idLength;
  if (body.length < headerEnd + IV_BYTES + TAG_BYTES) throw new ArchiveIntegrityError('archive object is truncated');
  const keyId = body.toString('utf8', MAGIC.length + 1, headerEnd);
  const key = keyring.keys.get(keyId);
  if (!key) throw new ArchiveIntegrityError(`archive key "${keyId}" is not in ARCHIVE_KEYS`);
  const iv = body.subarray(headerEnd, headerEnd + IV_BYTES);
  const tag = body.subarray(body.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(body.subarray(0, headerEnd));
  decipher.setAuthTag(tag);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(body.subarray(headerEnd + IV_BYTES, body.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new ArchiveIntegrityError('archive object failed authentication (tampered or corrupted)');
  }
  if (expectedSha256 && sha256Hex(plaintext) !== expectedSha256) throw new ArchiveIntegrityError('archive plaintext hash does not match its metadata');
  return plaintext;
}
