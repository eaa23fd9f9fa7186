import { ConfigError, loadConfig, type AppConfig } from '../config/config';
import { createLogger, type Logger } from '../logging/logger';

/**
 * Entry-point start-up shared by every role: config parsed once, warnings logged loudly once, and
 * start-up failures printed as one line with the fix instead of a stack trace.
 */
export function bootProcess(role: string): { config: AppConfig; log: Logger } {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`office-hours ${role}: refusing to start: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const { config, warnings } = loaded;
  const pretty = process.env['LOG_PRETTY'] === '1' || (!config.isProduction && process.stdout.isTTY === true);
  const log = createLogger({ level: config.logLevel, role, pretty });
  for (const w of warnings) log.warn(`!!! ${w}`);
  return { config, log };
}

/** A one-line explanation for the usual start-up failures (services down), or undefined. */
export function explainStartupError(err: unknown, config: AppConfig): string | undefined {
  const e = err as { code?: string; message?: string; errors?: { code?: string }[] };
  const code = e.code ?? e.errors?.[0]?.code;
  const msg = e.message ?? '';
  if (code === 'ECONNREFUSED' && (msg.includes(':5432') || msg.includes('postgres') || /5432/.test(JSON.stringify(e.errors ?? '')))) {
    return `PostgreSQL is not reachable at ${redactUrl(config.databaseUrl)}. Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start (or set DATABASE_URL)`;
  }
  if (code === 'ECONNREFUSED' || msg.includes('6379') || msg.includes('Redis')) {
    return `Redis is not reachable at ${redactUrl(config.redisUrl)}. Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no (or set REDIS_URL)`;
  }
  return undefined;
}

export function exitOnStartupError(err: unknown, config: AppConfig, log: Logger, role: string): never {
  const line = explainStartupError(err, config);
  if (line) process.stderr.write(`office-hours ${role}: ${line}\n`);
  else log.fatal({ err }, 'start-up failed');
  process.exit(1);
}

function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
