import type { z } from 'zod';
import { DEV_DASHBOARD_PASSWORD, SECTIONS } from './config-sections';
import { DEV_JWT_SECRET } from './secrets-section';

export { EMBEDDED_S3_CREDENTIALS } from './config-sections';

/**
 * The one place that reads process.env (CONTRACT §2). Everything else takes the typed `AppConfig`, whose
 * type is derived from the schema sections (config-sections.ts): a new knob is a line in its section
 * (and the README's table). Development-only fallbacks are reported as warnings; in production they
 * refuse to start.
 */

type Section = (typeof SECTIONS)[number];
type Merged<U> = (U extends unknown ? (u: U) => void : never) extends (m: infer M) => void ? M : never;
export type AppConfig = Readonly<Merged<z.output<Section>>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadedConfig {
  readonly config: AppConfig;
  /** Loud development-only notices, for the entry point to log once (none when STARTUP_WARNINGS=false). */
  readonly warnings: readonly string[];
}

/** Production refusals and development notices: the fallbacks a real deployment must not run on. */
function checkFallbacks(c: AppConfig): string[] {
  const warnings: string[] = [];
  const refuse = (what: string, notice: string) => {
    if (c.isProduction) throw new ConfigError(`${what} when NODE_ENV=production`);
    warnings.push(notice);
  };
  if (c.jwt.secret === DEV_JWT_SECRET) {
    refuse(
      'JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL is required',
      'JWT_SECRET is not set: using the built-in DEVELOPMENT secret. Anyone can mint tokens. Never run like this in production.',
    );
  }
  if (!c.archiveKeys) {
    refuse(
      'ARCHIVE_KEYS is required (id:base64key,… with 32-byte keys)',
      `ARCHIVE_KEYS is not set: archives are encrypted with a DEVELOPMENT key stored in ${c.dataDir}/. Never run like this in production.`,
    );
  }
  // Keys fetched over plain HTTP can be swapped in transit; a provider on this host is the one fair case.
  if (c.jwt.jwksUrl?.startsWith('http:') && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(c.jwt.jwksUrl)) {
    warnings.push(`JWT_JWKS_URL is not https (${c.jwt.jwksUrl}): whoever sits on the path can substitute signing keys.`);
  }
  if (c.dashboard.password === DEV_DASHBOARD_PASSWORD)
    refuse('DASHBOARD_PASSWORD is required', 'DASHBOARD_PASSWORD is not set: Bull Board uses the development password.');
  return warnings;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const parts: object[] = [];
  for (const section of SECTIONS) {
    const parsed = section.safeParse(env);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new ConfigError(`invalid environment: ${where}${issue?.message}`);
    }
    parts.push(parsed.data);
  }
  const config = Object.assign({}, ...parts) as AppConfig;
  const warnings = checkFallbacks(config);
  // npm start prints the notices once and starts its roles with STARTUP_WARNINGS=false.
  return { config, warnings: config.startupWarnings ? warnings : [] };
}
