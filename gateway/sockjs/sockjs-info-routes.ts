import { randomInt } from 'node:crypto';
import type uWS from 'uWebSockets.js';
import { headersTooLarge, refuseHeaders } from '../http/header-limits';

const BASE = '/ws/chat';
const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
const ONE_YEAR = 31_536_000;

/** SockJS's CORS: the caller's origin echoed with credentials (the Origin policy is enforced on the upgrade). */
function cors(res: uWS.HttpResponse, origin: string): void {
  res.writeHeader('Access-Control-Allow-Origin', origin || '*');
  res.writeHeader('Access-Control-Allow-Credentials', 'true');
  res.writeHeader('Vary', 'Origin');
}

/**
 * The SockJS 0.3 HTTP pieces a client reads before it opens a transport, at the STOMP endpoint's base URL:
 * the greeting, `/info` (WebSocket available, no cookie needed, any origin, fresh entropy; never cached)
 * with its CORS preflight, and `/iframe.html` for iframe-based transports. The session transports answer
 * elsewhere: `/{server}/{session}/websocket` and the raw `/websocket` (stomp-endpoint.ts).
 */
export function registerSockJsInfoRoutes(app: uWS.TemplatedApp): void {
  const greeting = (res: uWS.HttpResponse, req: uWS.HttpRequest): void => {
    if (headersTooLarge(req)) return refuseHeaders(res);
    res.cork(() => res.writeStatus('200 OK').writeHeader('Content-Type', 'text/plain; charset=UTF-8').end('Welcome to SockJS!\n'));
  };
  app.get(BASE, greeting);
  app.get(`${BASE}/`, greeting);
  app.get(`${BASE}/info`, (res, req) => {
    if (headersTooLarge(req)) return refuseHeaders(res);
    const origin = req.getHeader('origin');
    const body = JSON.stringify({ entropy: randomInt(0, 2 ** 31), origins: ['*:*'], cookie_needed: false, websocket: true });
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('Content-Type', 'application/json; charset=UTF-8').writeHeader('Cache-Control', NO_CACHE);
      cors(res, origin);
      res.end(body);
    });
  });
  app.options(`${BASE}/info`, (res, req) => {
    if (headersTooLarge(req)) return refuseHeaders(res);
    const origin = req.getHeader('origin');
    const requested = req.getHeader('access-control-request-headers');
    res.cork(() => {
      res.writeStatus('204 No Content').writeHeader('Cache-Control', `public, max-age=${ONE_YEAR}`);
      res.writeHeader('Access-Control-Max-Age', String(ONE_YEAR)).writeHeader('Access-Control-Allow-Methods', 'OPTIONS, GET');
      if (requested) res.writeHeader('Access-Control-Allow-Headers', requested);
      cors(res, origin);
      res.end();
    });
  });
  app.get(`${BASE}/iframe.html`, (res, req) => {
    if (headersTooLarge(req)) return refuseHeaders(res);
    const page = `<!DOCTYPE html>
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
    res.cork(() =>
      res.writeStatus('200 OK').writeHeader('Content-Type', 'text/html; charset=UTF-8').writeHeader('Cache-Control', `public, max-age=${ONE_YEAR}`).end(page),
    );
  });
}
