import { z } from 'zod';
import { parseArchiveKeys } from '../archive/archive-keyring';
import { parseRoleMap } from '../identity/claim-mapping';
import { optionalString, posInt, shaped } from './config-fields';

export const DEV_JWT_SECRET = 'office-hours-development-secret-do-not-use-in-production';

/** Token verification, archive keys and FCM credentials (CONTRACT §2). */
export const secrets = z
  .object({
    JWT_SECRET: optionalString,
    JWT_PUBLIC_KEY: optionalString,
    JWT_ISSUER: optionalString,
    JWT_AUDIENCE: optionalString,
    JWT_MAX_LIFETIME_SEC: posInt(30 * 86_400),
    JWT_JWKS_URL: optionalString.pipe(z.string().url().optional()),
    JWT_ROLE_CLAIM: optionalString,
    JWT_ROLE_MAP: optionalString,
    JWT_NAME_CLAIM: z.string().trim().min(1).default('name'),
    ARCHIVE_KEYS: optionalString,
    ARCHIVE_ACTIVE_KEY_ID: optionalString,
    ARCHIVE_TIMEZONE: z.string().default('Asia/Seoul'),
    ARCHIVE_MAX_BYTES: posInt(64 * 1024 * 1024),
    FCM_CREDENTIALS: optionalString,
  })
  .transform((e, ctx) => ({
    jwt: {
      // With a provider's key (JWKS or PEM) HS256 is accepted only when JWT_SECRET is set explicitly.
      secret: e.JWT_SECRET ?? (e.JWT_PUBLIC_KEY || e.JWT_JWKS_URL ? undefined : DEV_JWT_SECRET),
      publicKey: e.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n'),
      /** RS256/ES256 keys by `kid`, fetched (and re-fetched on an unknown kid, rate-limited) from the provider. */
      jwksUrl: e.JWT_JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      /** Tokens that live longer than this (exp − iat) are refused. */
      maxLifetimeSec: e.JWT_MAX_LIFETIME_SEC,
      claims: {
        roleClaim: e.JWT_ROLE_CLAIM?.trim(),
        roleMap: e.JWT_ROLE_MAP ? shaped(ctx, () => parseRoleMap(e.JWT_ROLE_MAP!)) : undefined,
        nameClaim: e.JWT_NAME_CLAIM,
      },
    },
    /** undefined → a development key is generated under `dataDir` (archive-keyring.ts). */
    archiveKeys: e.ARCHIVE_KEYS ? shaped(ctx, () => parseArchiveKeys(e.ARCHIVE_KEYS!, e.ARCHIVE_ACTIVE_KEY_ID)) : undefined,
    archiveTimezone: e.ARCHIVE_TIMEZONE,
    /** Largest archive object (single PUT; s3rver's limit). Bigger archives fail as unrecoverable. */
    archiveMaxBytes: e.ARCHIVE_MAX_BYTES,
    fcmCredentials: e.FCM_CREDENTIALS,
  }));
