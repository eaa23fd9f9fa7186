import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const DEV_KEY_FILE = 'archive-dev-key';

/** The archive keys: the one new objects are sealed with, and every id that still decrypts. */
export interface ArchiveKeyring {
  readonly activeKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** ARCHIVE_KEYS (`id:base64key,…`, 32-byte AES-256 keys) with ARCHIVE_ACTIVE_KEY_ID; throws on a bad entry. */
export function parseArchiveKeys(raw: string, activeKeyId: string | undefined): ArchiveKeyring {
  const keys = new Map<string, Buffer>();
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const sep = part.indexOf(':');
    if (sep <= 0) throw new Error(`ARCHIVE_KEYS entry "${part.slice(0, 12)}…" must be id:base64key`);
    const id = part.slice(0, sep);
    const key = Buffer.from(part.slice(sep + 1), 'base64');
    if (key.length !== 32) throw new Error(`ARCHIVE_KEYS key "${id}" must decode to 32 bytes (AES-256), got ${key.length}`);
    if (keys.has(id)) throw new Error(`ARCHIVE_KEYS lists key id "${id}" twice`);
    keys.set(id, key);
  }
  const first = keys.keys().next();
  if (first.done) throw new Error('ARCHIVE_KEYS is empty');
  const active = activeKeyId ?? first.value;
  if (!keys.has(active)) throw new Error(`ARCHIVE_ACTIVE_KEY_ID "${active}" is not in ARCHIVE_KEYS`);
  return { activeKeyId: active, keys };
}

/**
 * ARCHIVE_KEYS when set; in development a single key generated once into DATA_DIR and shared by every
 * role on the machine (config refuses to start without ARCHIVE_KEYS in production).
 */
export function resolveArchiveKeyring(config: { archiveKeys: ArchiveKeyring | undefined; dataDir: string }): ArchiveKeyring {
  if (config.archiveKeys) return config.archiveKeys;
  const file = path.resolve(config.dataDir, DEV_KEY_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, `dev:${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  }
  return parseArchiveKeys(readFileSync(file, 'utf8').trim(), undefined);
}
