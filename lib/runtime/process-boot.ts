import { ConfigError, loadConfig, type AppConfig } from '../config/config';
import { createLogger, type Logger } from '../logging/logger';
import { StartupError } from './service-checks';

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

/** Prints a StartupError as its one line (no stack trace); anything else is logged as fatal. Exits 1. */
export function exitOnStartupError(err: unknown, log: Logger, role: string): never {
  if (err instanceof StartupError) process.stderr.write(`office-hours ${role}: ${err.message}\n`);
  else log.fatal({ err }, 'start-up failed');
  process.exit(1);
}
