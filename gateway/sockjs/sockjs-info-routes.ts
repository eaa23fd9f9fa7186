import { randomInt } from 'node:crypto';
import type uWS from 'uWebSockets.js';
import type { Logger } from '../../lib/logging/logger';
import type { TrustedProxies } from '../../lib/network/trusted-proxies';
import { cors } from '../http/cors';
import { recordExchange, type HttpObserver } from '../http/exchange-record';
import { HttpExchange } from '../http/http-exchange';
import { headersTooLarge, refuseHeaders } from '../http/header-limits';

const BASE = '/ws/chat';
const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
const ONE_YEAR = 31_536_000;

/**
 * The SockJS 0.3 HTTP pieces a client reads before it opens a transport, at the STOMP endpoint's base URL:
 * the greeting, `/info` (WebSocket available, no cookie needed, any origin, fresh entropy; never cached)
 * with its CORS preflight, and `/iframe.html` for iframe-based transports. The session transports answer
 * elsewhere: `/{server}/{session}/websocket` and the raw `/websocket` (stomp-endpoint.ts).
 */
export function registerSockJsInfoRoutes(
  app: uWS.TemplatedApp,
  deps: { trustedProxies: TrustedProxies | undefined; observer?: HttpObserver; log: Logger },
): void {
  /** Each route on the REST exchange: request id, client address, the request metric and SockJS's CORS. */
  const route = (method: 'get' | 'options', path: string, answer: (ex: HttpExchange) => void) =>
    app[method](path, (res, req) => {
      if (headersTooLarge(req)) return refuseHeaders(res);
      const ex = new HttpExchange(res, req, deps.trustedProxies);
      ex.onDone(() => recordExchange(ex, path, deps.observer, deps.log, 'debug'));
      cors.sockJs(ex);
      answer(ex);
    });
  const greeting = (ex: HttpExchange) => ex.send(200, 'Welcome to SockJS!\n', 'text/plain; charset=UTF-8');
  route('get', BASE, greeting);
  route('get', `${BASE}/`, greeting);
  route('get', `${BASE}/info`, (ex) => {
    ex.setHeader('cache-control', NO_CACHE);
    ex.sendJson(200, { entropy: randomInt(0, 2 ** 31), origins: ['*:*'], cookie_needed: false, websocket: true });
  });
  route('options', `${BASE}/info`, (ex) => {
    cors.sockJsPreflight(ex, 'OPTIONS, GET');
    ex.send(204, undefined);
  });
  route('get', `${BASE}/iframe.html`, (ex) => {
    ex.setHeader('cache-control', `public, max-age=${ONE_YEAR}`);
    ex.send(200, IFRAME_PAGE, 'text/html; charset=UTF-8');
  });
}

const IFRAME_PAGE = `<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <script>
    document.domain = document.domain;
    _sockjs_onload = function(){SockJS.bootstrap_iframe();};
  </script>
  <script src="https://cdn.jsdelivr.net/npm/sockjs-client@1/dist/sockjs.min.js"></script>
</head>
<body>
  <h2>Don't panic!</h2>
  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
</body>
</html>`;
