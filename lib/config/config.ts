import { TrustedProxies } from '../network/trusted-proxies';
import { z } from 'zod';

/**
 * The one place that reads process.env (CONTRACT §2). Everything else takes the typed `AppConfig`.
 * Development-only fallbacks are reported as warnings; in production they refuse to start.
 */

const DEV_JWT_SECRET = 'office-hours-development-secret-do-not-use-in-production';
const DEV_DASHBOARD_PASSWORD = 'office-hours-dev';
/** Credentials of the embedded s3rver (it accepts only these). */
export const EMBEDDED_S3_CREDENTIALS = { accessKey: 'S3RVER', secretKey: 'S3RVER' } as const;

const intMs = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9101),
  METRICS_TOKEN: optionalString,
  GATEWAY_METRICS_PORT: optionalString.transform((v) => (v === undefined ? undefined : Number(v))).pipe(z.number().int().min(0).max(65535).optional()),
  DASHBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/office_hours'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: optionalString.pipe(
    z
      .string()
      .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, 'a comma list of host:port')
      .optional(),
  ),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .default('oh'),
  MINIO_ENDPOINT: optionalString.pipe(z.string().url().optional()),
  MINIO_ACCESS_KEY: optionalString,
  MINIO_SECRET_KEY: optionalString,
  MINIO_BUCKET: z.string().min(3).default('consultation-chat'),
  EMBEDDED_S3_PORT: z.coerce.number().int().min(1).max(65535).default(9000),
  STARTUP_WARNINGS: z.enum(['true', 'false']).default('true'),
  LOG_PRETTY: z.enum(['0', '1']).optional(),
  JWT_SECRET: optionalString,
  JWT_PUBLIC_KEY: optionalString,
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  JWT_MAX_LIFETIME_SEC: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 86_400),
  ARCHIVE_KEYS: optionalString,
  ARCHIVE_TIMEZONE: z.string().default('Asia/Seoul'),
  ARCHIVE_ACTIVE_KEY_ID: optionalString,
  ARCHIVE_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  FCM_CREDENTIALS: optionalString,
  ALLOWED_ORIGINS: optionalString,
  TRUST_PROXY: optionalString,
  DASHBOARD_USER: z.string().min(1).default('admin'),
  DASHBOARD_PASSWORD: optionalString,
  CHAT_TTL_MS: intMs(604_800_000),
  CHAT_MAX_MESSAGE_CHARS: z.coerce.number().int().positive().default(4000),
  CHAT_MAX_SESSIONS_PER_USER: z.coerce.number().int().positive().default(20),
  CHAT_MAX_LOG_MESSAGES: z.coerce.number().int().positive().default(50_000),
  CHAT_MAX_LOG_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  STOMP_RATE_PER_SEC: z.coerce.number().int().positive().default(10),
  STOMP_BURST: z.coerce.number().int().positive().default(30),
  STOMP_MAX_QUEUED_FRAMES: z.coerce.number().int().positive().default(256),
  REST_RATE_PER_SEC: z.coerce.number().int().positive().default(20),
  REST_BURST: z.coerce.number().int().positive().default(60),
  REST_IP_RATE_PER_SEC: z.coerce.number().int().positive().default(100),
  CHAT_RECEIPT_AFTER: z.enum(['redis', 'postgres']).default('redis'),
  CHAT_SEND_RATE_PER_SEC: z.coerce.number().int().positive().default(20),
  CHAT_SEND_BURST: z.coerce.number().int().positive().default(40),
  STOMP_HEARTBEAT_MS: z.coerce.number().int().min(100).default(10_000),
  STOMP_TOKEN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  AUTO_CLOSE_INACTIVE_MS: intMs(7_200_000),
  AUTO_CLOSE_MAX_DURATION_MS: intMs(86_400_000),
  AUTO_CLOSE_WARN_BEFORE_MS: intMs(600_000),
  AUTO_CLOSE_SCAN_INTERVAL_MS: intMs(60_000),
  BACKUP_INTERVAL_MS: intMs(300_000),
  CLEANUP_INTERVAL_MS: intMs(86_400_000),
  TEMP_RETENTION_MS: intMs(216_000_000),
  DATA_DIR: z.string().default('.data'),
  PUSH_INCLUDE_CONTENT: z.enum(['true', 'false']).default('true'),
  PUSH_COLLAPSE_WINDOW_MS: intMs(3000),
  PRESENCE_TTL_MS: intMs(60_000),
  QUEUE_RETRY_BASE_MS: z.coerce.number().int().positive().default(1000),
  QUEUE_RETRY_CAP_MS: z.coerce.number().int().positive().default(60_000),
});

export interface ArchiveKeyring {
  readonly activeKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export interface AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly isProduction: boolean;
  readonly logLevel: string;
  /** Human-readable logs: LOG_PRETTY=1, or undefined → pretty on a terminal in development. */
  readonly logPretty: boolean | undefined;
  readonly host: string;
  readonly port: number;
  readonly workerMetricsPort: number;
  /** A per-instance /metrics port for gateways sharing PORT (PM2 increments it per instance). */
  readonly gatewayMetricsPort: number | undefined;
  /** In production, /metrics on the public gateway port needs `Authorization: Bearer <token>`; unset → not served there. */
  readonly metricsToken: string | undefined;
  readonly dashboardPort: number;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** Seeds of a Redis Cluster (REDIS_CLUSTER_NODES); when set every role uses the cluster and redisUrl is ignored. */
  readonly redisClusterNodes: readonly { host: string; port: number }[] | undefined;
  readonly redisPrefix: string;
  readonly s3: {
    /** undefined → the embedded s3rver is used (development), on 127.0.0.1:embeddedPort. */
    readonly endpoint: string | undefined;
    readonly embeddedPort: number;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly bucket: string;
  };
  readonly jwt: {
    readonly secret: string | undefined;
    readonly publicKey: string | undefined;
    readonly issuer: string | undefined;
    readonly audience: string | undefined;
    /** Tokens that live longer than this (exp − iat) are refused. */
    readonly maxLifetimeSec: number;
  };
  /** undefined → a development key is generated under `dataDir` (see archive-key-file.ts). */
  readonly archiveKeys: ArchiveKeyring | undefined;
  readonly archiveTimezone: string;
  /** Largest archive object (single PUT; s3rver's limit). Bigger archives fail as unrecoverable. */
  readonly archiveMaxBytes: number;
  readonly fcmCredentials: string | undefined;
  /** undefined → any origin in development, same-origin/non-browser only in production. */
  readonly allowedOrigins: readonly string[] | undefined;
  /** TRUST_PROXY: undefined → the socket's peer is the client. */
  readonly trustedProxies: TrustedProxies | undefined;
  readonly dashboard: { readonly user: string; readonly password: string };
  readonly chat: {
    readonly ttlMs: number;
    readonly maxMessageChars: number;
    /** Live STOMP sessions one user may hold across all gateways. */
    readonly maxSessionsPerUser: number;
    /** A room's log cap: messages and content bytes (sends beyond get PAYLOAD_TOO_LARGE). */
    readonly maxLogMessages: number;
    readonly maxLogBytes: number;
    /** When a chat.send is receipted: appended in Redis, or committed in PostgreSQL. */
    readonly receiptAfter: 'redis' | 'postgres';
    readonly sendRatePerSec: number;
    readonly sendBurst: number;
  };
  readonly autoClose: {
    readonly inactiveMs: number;
    readonly maxDurationMs: number;
    readonly warnBeforeMs: number;
    readonly scanIntervalMs: number;
  };
  /**
   * Per-user budgets shared by all gateways: other STOMP destinations (per destination, typing per room),
   * REST per user and per IP (before authentication); a budget is `rate` per second with `burst` at once.
   */
  readonly limits: {
    readonly stomp: { readonly ratePerSec: number; readonly burst: number };
    readonly rest: { readonly ratePerSec: number; readonly burst: number };
    readonly restIpPerSec: number;
    /** Parsed frames a session may have waiting; past it the session is closed. */
    readonly maxQueuedFrames: number;
  };
  /** STOMP heart-beat the gateway offers and expects (CONNECTED `heart-beat`). */
  readonly stompHeartbeatMs: number;
  /** STOMP_TOKEN_GRACE_MS: how long after its token's exp a session may still refresh before it is closed. */
  readonly stompTokenGraceMs: number;
  readonly backupIntervalMs: number;
  readonly cleanupIntervalMs: number;
  readonly tempRetentionMs: number;
  readonly dataDir: string;
  /** false in roles started by npm start: it printed the development notices once already. */
  readonly startupWarnings: boolean;
  readonly push: {
    /** false → chat pushes carry no message text. */
    readonly includeContent: boolean;
    /** Chat pushes to one user for one room are collapsed into one per window. */
    readonly collapseWindowMs: number;
    /** A gateway session counts as present this long after its last refresh (refreshed every ttl/3). */
    readonly presenceTtlMs: number;
  };
  /** Retried jobs wait ~base·2^(n-1) with jitter, at most cap. */
  readonly queueRetry: { readonly baseMs: number; readonly capMs: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadedConfig {
  readonly config: AppConfig;
  /** Loud development-only notices, for the entry point to log once (none when STARTUP_WARNINGS=false). */
  readonly warnings: readonly string[];
}

export function parseArchiveKeys(raw: string, activeKeyId: string | undefined): ArchiveKeyring {
  const keys = new Map<string, Buffer>();
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const sep = part.indexOf(':');
    if (sep <= 0) throw new ConfigError(`ARCHIVE_KEYS entry "${part.slice(0, 12)}…" must be id:base64key`);
    const id = part.slice(0, sep);
    const key = Buffer.from(part.slice(sep + 1), 'base64');
    if (key.length !== 32) throw new ConfigError(`ARCHIVE_KEYS key "${id}" must decode to 32 bytes (AES-256), got ${key.length}`);
    if (keys.has(id)) throw new ConfigError(`ARCHIVE_KEYS lists key id "${id}" twice`);
    keys.set(id, key);
  }
  const first = keys.keys().next();
  if (first.done) throw new ConfigError('ARCHIVE_KEYS is empty');
  const active = activeKeyId ?? first.value;
  if (!keys.has(active)) throw new ConfigError(`ARCHIVE_ACTIVE_KEY_ID "${active}" is not in ARCHIVE_KEYS`);
  return { activeKeyId: active, keys };
}

type Env = z.output<typeof envSchema>;

/** Production refusals and development notices: the fallbacks a real deployment must not run on. */
function checkFallbacks(e: Env, isProduction: boolean): string[] {
  const warnings: string[] = [];

  if (!e.JWT_SECRET && !e.JWT_PUBLIC_KEY) {
    if (isProduction) throw new ConfigError('JWT_SECRET or JWT_PUBLIC_KEY is required when NODE_ENV=production');
    warnings.push('JWT_SECRET is not set: using the built-in DEVELOPMENT secret. Anyone can mint tokens. Never run like this in production.');
  }
  if (!e.ARCHIVE_KEYS) {
    if (isProduction) throw new ConfigError('ARCHIVE_KEYS is required when NODE_ENV=production (id:base64key,… with 32-byte keys)');
    warnings.push(`ARCHIVE_KEYS is not set: archives are encrypted with a DEVELOPMENT key stored in ${e.DATA_DIR}/. Never run like this in production.`);
  }
  if (!e.DASHBOARD_PASSWORD) {
    if (isProduction) throw new ConfigError('DASHBOARD_PASSWORD is required when NODE_ENV=production');
    warnings.push('DASHBOARD_PASSWORD is not set: Bull Board uses the development password.');
  }
  if (e.MINIO_ENDPOINT && (!e.MINIO_ACCESS_KEY || !e.MINIO_SECRET_KEY)) {
    throw new ConfigError('MINIO_ACCESS_KEY and MINIO_SECRET_KEY are required with MINIO_ENDPOINT');
  }
  if (e.AUTO_CLOSE_WARN_BEFORE_MS >= e.AUTO_CLOSE_MAX_DURATION_MS) {
    throw new ConfigError('AUTO_CLOSE_WARN_BEFORE_MS must be smaller than AUTO_CLOSE_MAX_DURATION_MS');
  }
  return warnings;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid environment: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  const warnings = checkFallbacks(e, isProduction);
  // npm start prints the notices once and starts its roles with STARTUP_WARNINGS=false.
  return { config: toAppConfig(e, isProduction), warnings: e.STARTUP_WARNINGS === 'true' ? warnings : [] };
}

/** A bad CIDR refuses to start, like any other bad value. */
function parseTrustedProxies(value: string | undefined): TrustedProxies | undefined {
  if (!value?.trim()) return undefined;
  try {
    return TrustedProxies.parse(value);
  } catch (err) {
    throw new ConfigError(`invalid environment: ${(err as Error).message}`);
  }
}

function chatConfig(e: Env): AppConfig['chat'] {
  return {
    ttlMs: e.CHAT_TTL_MS,
    maxMessageChars: e.CHAT_MAX_MESSAGE_CHARS,
    receiptAfter: e.CHAT_RECEIPT_AFTER,
    maxSessionsPerUser: e.CHAT_MAX_SESSIONS_PER_USER,
    maxLogMessages: e.CHAT_MAX_LOG_MESSAGES,
    maxLogBytes: e.CHAT_MAX_LOG_BYTES,
    sendRatePerSec: e.CHAT_SEND_RATE_PER_SEC,
    sendBurst: e.CHAT_SEND_BURST,
  };
}

function limitsConfig(e: Env): AppConfig['limits'] {
  return {
    stomp: { ratePerSec: e.STOMP_RATE_PER_SEC, burst: e.STOMP_BURST },
    rest: { ratePerSec: e.REST_RATE_PER_SEC, burst: e.REST_BURST },
    restIpPerSec: e.REST_IP_RATE_PER_SEC,
    maxQueuedFrames: e.STOMP_MAX_QUEUED_FRAMES,
  };
}

function toAppConfig(e: Env, isProduction: boolean): AppConfig {
  return {
    nodeEnv: e.NODE_ENV,
    isProduction,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY === undefined ? undefined : e.LOG_PRETTY === '1',
    host: e.HOST,
    port: e.PORT,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    gatewayMetricsPort: e.GATEWAY_METRICS_PORT,
    metricsToken: e.METRICS_TOKEN,
    dashboardPort: e.DASHBOARD_PORT,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES?.split(',').map((seed) => {
      const at = seed.lastIndexOf(':');
      return { host: seed.slice(0, at), port: Number(seed.slice(at + 1)) };
    }),
    redisPrefix: e.REDIS_PREFIX,
    s3: {
      endpoint: e.MINIO_ENDPOINT,
      embeddedPort: e.EMBEDDED_S3_PORT,
      accessKey: e.MINIO_ACCESS_KEY ?? EMBEDDED_S3_CREDENTIALS.accessKey,
      secretKey: e.MINIO_SECRET_KEY ?? EMBEDDED_S3_CREDENTIALS.secretKey,
      bucket: e.MINIO_BUCKET,
    },
    jwt: {
      secret: e.JWT_SECRET ?? (e.JWT_PUBLIC_KEY ? undefined : DEV_JWT_SECRET),
      publicKey: e.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n'),
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      maxLifetimeSec: e.JWT_MAX_LIFETIME_SEC,
    },
    archiveKeys: e.ARCHIVE_KEYS ? parseArchiveKeys(e.ARCHIVE_KEYS, e.ARCHIVE_ACTIVE_KEY_ID) : undefined,
    archiveTimezone: e.ARCHIVE_TIMEZONE,
    archiveMaxBytes: e.ARCHIVE_MAX_BYTES,
    fcmCredentials: e.FCM_CREDENTIALS,
    allowedOrigins: e.ALLOWED_ORIGINS?.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    trustedProxies: parseTrustedProxies(e.TRUST_PROXY),
    dashboard: { user: e.DASHBOARD_USER, password: e.DASHBOARD_PASSWORD ?? DEV_DASHBOARD_PASSWORD },
    chat: chatConfig(e),
    autoClose: {
      inactiveMs: e.AUTO_CLOSE_INACTIVE_MS,
      maxDurationMs: e.AUTO_CLOSE_MAX_DURATION_MS,
      warnBeforeMs: e.AUTO_CLOSE_WARN_BEFORE_MS,
      scanIntervalMs: e.AUTO_CLOSE_SCAN_INTERVAL_MS,
    },
    limits: limitsConfig(e),
    stompHeartbeatMs: e.STOMP_HEARTBEAT_MS,
    stompTokenGraceMs: e.STOMP_TOKEN_GRACE_MS,
    backupIntervalMs: e.BACKUP_INTERVAL_MS,
    cleanupIntervalMs: e.CLEANUP_INTERVAL_MS,
    tempRetentionMs: e.TEMP_RETENTION_MS,
    dataDir: e.DATA_DIR,
    startupWarnings: e.STARTUP_WARNINGS === 'true',
    push: { includeContent: e.PUSH_INCLUDE_CONTENT === 'true', collapseWindowMs: e.PUSH_COLLAPSE_WINDOW_MS, presenceTtlMs: e.PRESENCE_TTL_MS },
    queueRetry: { baseMs: e.QUEUE_RETRY_BASE_MS, capMs: e.QUEUE_RETRY_CAP_MS },
  };
}
