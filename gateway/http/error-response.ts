import { toAppError } from '../../lib/errors/app-error';
import type { Logger } from '../../lib/logging/logger';
import type { HttpExchange } from './http-exchange';

/** The one place errors become HTTP responses: `{"error":{"code","message"}}` with the contract's status. */
export function sendError(ex: HttpExchange, err: unknown, log: Logger): void {
  const appErr = toAppError(err);
  if (appErr.code === 'INTERNAL') log.error({ err }, 'request failed');
  else log.debug({ code: appErr.code }, 'request refused');
  // After an oversized body the rest of the stream is unread: close so it is not parsed as a new request.
  const close = appErr.code === 'PAYLOAD_TOO_LARGE';
  ex.send(appErr.httpStatus, JSON.stringify({ error: { code: appErr.code, message: appErr.message } }), undefined, close);
}
