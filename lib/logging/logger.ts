import pino, { type Logger } from 'pino';

export type { Logger };

/** How pretty logs look (pino-pretty), for this logger and for role lines `npm start` prettifies. */
export const PRETTY_LOG_OPTIONS = { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' };

/**
 * One root logger per process, built by the entry point and passed down; callers use `.child({...})`
 * for context (requestIdx, queue, jobId, userId). Message contents and tokens are never logged;
 * the redact list is a second line of defence.
 */
export function createLogger(options: { level: string; role: string; pretty?: boolean; toStderr?: boolean }): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level,
    base: { role: options.role, pid: process.pid },
    redact: {
      paths: ['token', 'authorization', 'content', '*.token', '*.authorization', '*.content', 'passcode', '*.passcode'],
      censor: '[redacted]',
    },
    transport: options.pretty ? { target: 'pino-pretty', options: PRETTY_LOG_OPTIONS } : undefined,
  };
  // A command whose stdout is its output (a report) logs to stderr, synchronously, so nothing lands in it.
  return options.toStderr && !options.pretty ? pino(settings, pino.destination({ dest: 2, sync: true })) : pino(settings);
}
