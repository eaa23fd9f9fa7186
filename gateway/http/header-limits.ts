import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

/**
 * Request header limits, checked before anything else reads the request. uWebSockets.js 20.30's own parser
 * takes at most 48 header lines (beyond that it answers nothing and the socket waits for its 10 s idle
 * timeout; README, "Limits"): these limits sit below it, so what reaches a handler is either within
 * them or refused at once.
 */
export const MAX_REQUEST_HEADERS = 40;
export const MAX_REQUEST_HEADER_BYTES = 16 * 1024;

/** True when the request has more header lines or bytes than the limits allow; call it before any other read of `req`. */
export function headersTooLarge(req: HttpRequest): boolean {
  let count = 0;
  let bytes = 0;
  req.forEach((name, value) => {
    count++;
    bytes += name.length + value.length + 4;
  });
  return count > MAX_REQUEST_HEADERS || bytes > MAX_REQUEST_HEADER_BYTES;
}

/** 431 and close: nothing else of the request is read. */
export function refuseHeaders(res: HttpResponse): void {
  res.cork(() =>
    res
      .writeStatus('431 Request Header Fields Too Large')
      .writeHeader('Content-Type', 'text/plain; charset=UTF-8')
      .end('Request header fields too large', true),
  );
}
