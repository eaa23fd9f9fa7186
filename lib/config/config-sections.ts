import { z } from 'zod';
import { FORWARDING_HEADERS, TrustedProxies } from '../network/trusted-proxies';
import { commaList, flag, ms, optionalString, port, posInt, shaped } from './config-fields';
import { retention } from './retention-section';
import { secrets } from './secrets-section';

/** The configuration schema's sections (CONTRACT §2): each reads its variables and shapes its part of `AppConfig`. */

export const DEV_DASHBOARD_PASSWORD = 'office-hours-dev';
/** Credentials of the embedded s3rver (it accepts only these). */
export const EMBEDDED_S3_CREDENTIALS = { accessKey: 'S3RVER', secretKey: 'S3RVER' } as const;

const runtime = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_PRETTY: z.enum(['0', '1']).optional(),
    DATA_DIR: z.string().default('.data'),
    STARTUP_WARNINGS: flag('true'),
  })
  .transform((e) => ({
    nodeEnv: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL as string,
    /** Human-readable logs: LOG_PRETTY=1, or undefined → pretty on a terminal in development. */
    logPretty: e.LOG_PRETTY === undefined ? undefined : e.LOG_PRETTY === '1',
    dataDir: e.DATA_DIR,
    /** false in roles started by npm start: it printed the development notices once already. */
    startupWarnings: e.STARTUP_WARNINGS === 'true',
  }));

const listening = z
  .object({
    HOST: z.string().default('0.0.0.0'),
    PORT: port(8080),
    WORKER_METRICS_PORT: port(9101),
    GATEWAY_METRICS_PORT: optionalString.transform((v) => (v === undefined ? undefined : Number(v))).pipe(z.number().int().min(0).max(65535).optional()),
    METRICS_TOKEN: optionalString,
    DASHBOARD_PORT: port(3001),
    DASHBOARD_USER: z.string().min(1).default('admin'),
    DASHBOARD_PASSWORD: optionalString,
    ALLOWED_ORIGINS: optionalString,
    TRUST_PROXY: optionalString,
    TRUST_PROXY_HEADER: z
      .string()
      .transform((v) => v.trim().toLowerCase())
      .pipe(z.enum(FORWARDING_HEADERS))
      .default('x-forwarded-for'),
  })
  .transform((e, ctx) => ({
    host: e.HOST,
    port: e.PORT,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    /** A per-instance /metrics port for gateways sharing PORT (PM2 increments it per instance). */
    gatewayMetricsPort: e.GATEWAY_METRICS_PORT,
    /** In production, /metrics on the public gateway port needs `Authorization: Bearer <token>`; unset → not served there. */
    metricsToken: e.METRICS_TOKEN,
    dashboardPort: e.DASHBOARD_PORT,
    dashboard: { user: e.DASHBOARD_USER, password: e.DASHBOARD_PASSWORD ?? DEV_DASHBOARD_PASSWORD },
    /** undefined → any origin in development, same-origin/non-browser only in production. */
    allowedOrigins: commaList(e.ALLOWED_ORIGINS) as readonly string[] | undefined,
    /** TRUST_PROXY (and TRUST_PROXY_HEADER, the one family read): undefined → the socket's peer is the client. */
    trustedProxies: e.TRUST_PROXY?.trim() ? shaped(ctx, () => TrustedProxies.parse(e.TRUST_PROXY!, e.TRUST_PROXY_HEADER)) : undefined,
  }));

const stores = z
  .object({
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
  })
  .refine((e) => !e.MINIO_ENDPOINT || (e.MINIO_ACCESS_KEY && e.MINIO_SECRET_KEY), 'MINIO_ACCESS_KEY and MINIO_SECRET_KEY are required with MINIO_ENDPOINT')
  .transform((e) => ({
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    /** Seeds of a Redis Cluster (REDIS_CLUSTER_NODES); when set every role uses the cluster and redisUrl is ignored. */
    redisClusterNodes: commaList(e.REDIS_CLUSTER_NODES)?.map((seed) => {
      const at = seed.lastIndexOf(':');
      return { host: seed.slice(0, at), port: Number(seed.slice(at + 1)) };
    }) as readonly { host: string; port: number }[] | undefined,
    redisPrefix: e.REDIS_PREFIX,
    s3: {
      /** undefined → the embedded s3rver is used (development), on 127.0.0.1:embeddedPort. */
      endpoint: e.MINIO_ENDPOINT,
      embeddedPort: e.EMBEDDED_S3_PORT,
      accessKey: e.MINIO_ACCESS_KEY ?? EMBEDDED_S3_CREDENTIALS.accessKey,
      secretKey: e.MINIO_SECRET_KEY ?? EMBEDDED_S3_CREDENTIALS.secretKey,
      bucket: e.MINIO_BUCKET,
    },
  }));

const chat = z
  .object({
    CHAT_TTL_MS: ms(604_800_000),
    CHAT_MAX_MESSAGE_CHARS: posInt(4000),
    CHAT_MAX_SESSIONS_PER_USER: posInt(20),
    CHAT_MAX_LOG_MESSAGES: posInt(50_000),
    CHAT_MAX_LOG_BYTES: posInt(16 * 1024 * 1024),
    CHAT_RECEIPT_AFTER: z.enum(['redis', 'postgres']).default('redis'),
    CHAT_SEND_RATE_PER_SEC: posInt(20),
    CHAT_SEND_BURST: posInt(40),
    STOMP_HEARTBEAT_MS: z.coerce.number().int().min(100).default(10_000),
    STOMP_TOKEN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  })
  .transform((e) => ({
    chat: {
      ttlMs: e.CHAT_TTL_MS,
      maxMessageChars: e.CHAT_MAX_MESSAGE_CHARS,
      /** Live STOMP sessions one user may hold across all gateways. */
      maxSessionsPerUser: e.CHAT_MAX_SESSIONS_PER_USER,
      /** A room's log cap: messages and content bytes (sends beyond get PAYLOAD_TOO_LARGE). */
      maxLogMessages: e.CHAT_MAX_LOG_MESSAGES,
      maxLogBytes: e.CHAT_MAX_LOG_BYTES,
      /** When a chat.send is receipted: appended in Redis, or committed in PostgreSQL. */
      receiptAfter: e.CHAT_RECEIPT_AFTER,
      sendRatePerSec: e.CHAT_SEND_RATE_PER_SEC,
      sendBurst: e.CHAT_SEND_BURST,
    },
    /** STOMP heart-beat the gateway offers and expects (CONNECTED `heart-beat`). */
    stompHeartbeatMs: e.STOMP_HEARTBEAT_MS,
    /** STOMP_TOKEN_GRACE_MS: how long after its token's exp a session may still refresh before it is closed. */
    stompTokenGraceMs: e.STOMP_TOKEN_GRACE_MS,
  }));

/**
 * Per-user budgets shared by all gateways: other STOMP destinations (per destination, typing per room),
 * REST per user and per IP (before authentication); a budget is `rate` per second with `burst` at once.
 */
const limits = z
  .object({
    STOMP_RATE_PER_SEC: posInt(10),
    STOMP_BURST: posInt(30),
    STOMP_MAX_QUEUED_FRAMES: posInt(256),
    REST_RATE_PER_SEC: posInt(20),
    REST_BURST: posInt(60),
    REST_IP_RATE_PER_SEC: posInt(100),
    WS_SESSIONS_PER_IP_PER_SEC: posInt(20),
  })
  .transform((e) => ({
    limits: {
      stomp: { ratePerSec: e.STOMP_RATE_PER_SEC, burst: e.STOMP_BURST },
      rest: { ratePerSec: e.REST_RATE_PER_SEC, burst: e.REST_BURST },
      restIpPerSec: e.REST_IP_RATE_PER_SEC,
      /** New WebSocket upgrades and SockJS sessions per client address and second, across gateways. */
      sessionsIpPerSec: e.WS_SESSIONS_PER_IP_PER_SEC,
      /** Parsed frames a session may have waiting; past it the session is closed. */
      maxQueuedFrames: e.STOMP_MAX_QUEUED_FRAMES,
    },
  }));

const schedules = z
  .object({
    AUTO_CLOSE_INACTIVE_MS: ms(7_200_000),
    AUTO_CLOSE_MAX_DURATION_MS: ms(86_400_000),
    AUTO_CLOSE_WARN_BEFORE_MS: ms(600_000),
    AUTO_CLOSE_SCAN_INTERVAL_MS: ms(60_000),
    BACKUP_INTERVAL_MS: ms(300_000),
    CLEANUP_INTERVAL_MS: ms(86_400_000),
    TEMP_RETENTION_MS: ms(216_000_000),
    PUSH_INCLUDE_CONTENT: flag('true'),
    PUSH_COLLAPSE_WINDOW_MS: ms(3000),
    PRESENCE_TTL_MS: ms(60_000),
    QUEUE_RETRY_BASE_MS: posInt(1000),
    QUEUE_RETRY_CAP_MS: posInt(60_000),
  })
  .refine((e) => e.AUTO_CLOSE_WARN_BEFORE_MS < e.AUTO_CLOSE_MAX_DURATION_MS, 'AUTO_CLOSE_WARN_BEFORE_MS must be smaller than AUTO_CLOSE_MAX_DURATION_MS')
  .transform((e) => ({
    autoClose: {
      inactiveMs: e.AUTO_CLOSE_INACTIVE_MS,
      maxDurationMs: e.AUTO_CLOSE_MAX_DURATION_MS,
      warnBeforeMs: e.AUTO_CLOSE_WARN_BEFORE_MS,
      scanIntervalMs: e.AUTO_CLOSE_SCAN_INTERVAL_MS,
    },
    backupIntervalMs: e.BACKUP_INTERVAL_MS,
    cleanupIntervalMs: e.CLEANUP_INTERVAL_MS,
    tempRetentionMs: e.TEMP_RETENTION_MS,
    push: {
      /** false → chat pushes carry no message text. */
      includeContent: e.PUSH_INCLUDE_CONTENT === 'true',
      /** Chat pushes to one user for one room are collapsed into one per window. */
      collapseWindowMs: e.PUSH_COLLAPSE_WINDOW_MS,
      /** A gateway session counts as present this long after its last refresh (refreshed every ttl/3). */
      presenceTtlMs: e.PRESENCE_TTL_MS,
    },
    /** Retried jobs wait ~base·2^(n-1) with jitter, at most cap. */
    queueRetry: { baseMs: e.QUEUE_RETRY_BASE_MS, capMs: e.QUEUE_RETRY_CAP_MS },
  }));

export const SECTIONS = [runtime, listening, stores, secrets, chat, limits, schedules, retention] as const;
