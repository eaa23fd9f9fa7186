import { toAppError, type AppError } from '../lib/errors/app-error';
import type { Logger } from '../lib/logging/logger';
import type { HttpResponse } from 'uWebSockets.js';
import type { HttpExchange } from './http/http-exchange';
import type { ErrorEvent } from '../protocol/room-events';

/**
 * The one place errors leave the gateway: as `{"error":{code,message}}` with the contract's HTTP status,
 * or as an ERROR event on /user/queue/errors. Unknown errors become INTERNAL and are logged, never leaked.
 */
function normalize(err: unknown, log: Logger): AppError {
  const appErr = toAppError(err);
  if (appErr.code === 'INTERNAL') log.error({ err }, 'request failed');
  else log.debug({ code: appErr.code }, 'request refused');
  return appErr;
}

export function sendHttpError(ex: HttpExchange, err: unknown, log: Logger): void {
  const e = normalize(err, log);
  // After an oversized body the rest of the stream is unread: close so it is not parsed as a new request.
  const close = e.code === 'PAYLOAD_TOO_LARGE';
  ex.send(e.httpStatus, JSON.stringify({ error: { code: e.code, message: e.message } }), undefined, close);
}

/** Refuses a WebSocket upgrade with the contract's status and error body (the socket never opens). */
export function refuseUpgrade(res: HttpResponse, err: AppError): void {
  res.cork(() =>
    res
      .writeStatus(String(err.httpStatus))
      .writeHeader('content-type', 'application/json; charset=utf-8')
      .end(JSON.stringify({ error: { code: err.code, message: err.message } }), true),
  );
}

export function stompErrorEvent(err: unknown, log: Logger, context: { requestIdx?: unknown; clientMsgId?: unknown }): ErrorEvent {
  const e = normalize(err, log);
  const event: ErrorEvent = { type: 'ERROR', code: e.code, message: e.message };
  if (typeof context.requestIdx === 'number' && Number.isSafeInteger(context.requestIdx)) event.requestIdx = context.requestIdx;
  else if (typeof context.requestIdx === 'string' && /^\d{1,15}$/.test(context.requestIdx)) event.requestIdx = Number(context.requestIdx);
  if (typeof context.clientMsgId === 'string' && context.clientMsgId.length <= 128) event.clientMsgId = context.clientMsgId;
  return event;
}
