import { ConfigError, loadConfig, type AppConfig } from '../config/config';
import { createLogger, type Logger } from '../logging/logger';
import { StartupError } from './service-checks';

/**
 * Entry-point start-up shared by every role: config parsed once, warnings logged loudly once, and
 * start-up failures printed as one line with the fix instead of a stack trace.
 */
export function bootProcess(role: string, options: { logToStderr?: boolean } = {}): { config: AppConfig; log: Logger } {
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
  const pretty = config.logPretty ?? (!config.isProduction && process.stdout.isTTY === true);
  const log = createLogger({ level: config.logLevel, role, pretty, toStderr: options.logToStderr });
  for (const w of warnings) log.warn(`!!! ${w}`);
  return { config, log };
}

/** Prints a StartupError as its one line (no stack trace); anything else is logged as fatal. Exits 1. */
export function exitOnStartupError(err: unknown, log: Logger, role: string): never {
  if (err instanceof StartupError) process.stderr.write(`office-hours ${role}: ${err.message}\n`);
  else log.fatal({ err }, 'start-up failed');
  process.exit(1);
}

/**
 * Runs a role: start it (a StartupError becomes one line on stderr), then on SIGTERM/SIGINT stop it once
 * (drain) and exit.
 */
export async function runRole(role: string, start: (config: AppConfig, log: Logger) => Promise<{ close(): Promise<void> }>): Promise<void> {
  const { config, log } = bootProcess(role);
  // Handlers go in before the start, so a signal during start-up drains (once started) instead of killing.
  const starting = start(config, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const running = await starting.catch(() => undefined);
    log.info({ signal }, `${role} draining`);
    try {
      await running?.close();
    } catch (err) {
      // A JSON line and a failing code (the supervisor reports it), not an unhandled rejection's stack trace.
      log.error({ err }, `${role} did not stop cleanly`);
      process.exit(1);
    }
    log.info(`${role} stopped`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  try {
    await starting;
  } catch (err) {
    exitOnStartupError(err, log, role);
  }
}
