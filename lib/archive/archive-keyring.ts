import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig, ArchiveKeyring } from '../config/config';
import { parseArchiveKeys } from '../config/config';

const DEV_KEY_FILE = 'archive-dev-key';

/**
 * ARCHIVE_KEYS when set; in development a single key generated once into DATA_DIR and shared by every
 * role on the machine (config refuses to start without ARCHIVE_KEYS in production).
 */
export function resolveArchiveKeyring(config: AppConfig): ArchiveKeyring {
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
