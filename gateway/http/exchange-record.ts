import type { Logger } from '../../lib/logging/logger';
import type { HttpExchange } from './http-exchange';

export interface HttpObserver {
  onResponse(route: string, method: string, status: number, seconds: number): void;
}

/**
 * The request metric and the access log line of a finished exchange, REST and SockJS alike; the request id
 * ties the line to the response header and any error logged for it. SockJS's receiving requests come and go
 * with every poll, so they log at debug.
 */
export function recordExchange(ex: HttpExchange, route: string, observer: HttpObserver | undefined, log: Logger, level: 'info' | 'debug' = 'info'): void {
  const seconds = ex.elapsedMs() / 1000;
  observer?.onResponse(route, ex.method, ex.statusSent, seconds);
  log[level]({ method: ex.method, route, status: ex.statusSent, ms: Math.round(seconds * 1000) }, 'request');
}
