import { forbidden, type AppError } from '../../lib/errors/app-error';
import { refuseUpgrade } from '../protocol-errors';
import uWS from 'uWebSockets.js';
import type { OriginPolicy } from '../http/origin-policy';
import type { GatewayMetrics } from '../gateway-metrics';
import type { SessionRegistry } from './session-registry';
import { StompSession } from './stomp-session';
import type { Logger } from '../../lib/logging/logger';
import type { TrustedProxies } from '../../lib/network/trusted-proxies';
import { clientOf } from '../http/client-address';
import { headersTooLarge, refuseHeaders } from '../http/header-limits';
import type { StompSessionHost } from './stomp-session-host';
import { CLOSE, type SessionTransport } from './session-transport';
import { SOCKJS_HEARTBEAT_MS, SockJsWebSocketTransport, sockJsMessages } from '../sockjs/sockjs-websocket-transport';

/** How the socket carries STOMP: plain WebSocket (`/ws/chat`, or SockJS's raw `/ws/chat/websocket`) or SockJS framing. */
type Carrier = 'websocket' | 'raw-websocket' | 'sockjs-websocket';

interface SocketData {
  token: string | undefined;
  session: StompSession | undefined;
  carrier: Carrier;
}

const SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'];
/** Above uWS's limit a message is dropped with a bare close; under it, our STOMP parser answers ERROR. */
export const WS_MAX_PAYLOAD_BYTES = 2 * 1024 * 1024;

interface EndpointDeps {
  readonly host: StompSessionHost<StompSession>;
  readonly registry: SessionRegistry;
  readonly origins: OriginPolicy;
  readonly trustedProxies: TrustedProxies | undefined;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  isDraining(): boolean;
  /** The per-address budget of new sessions: undefined when this one may open, else why not. */
  admitSession(ip: string): Promise<AppError | undefined>;
}

/**
 * The STOMP WebSocket routes: `/ws/chat`, and the same sessions through SockJS (protocol 0.3): its raw
 * `/ws/chat/websocket` and its framed `/ws/chat/{server}/{session}/websocket` transport. Upgrade checks
 * (draining, Origin, subprotocol) and socket → session glue are the same for all three.
 */
export function registerStompEndpoint(app: uWS.TemplatedApp, deps: EndpointDeps): void {
  const sockJs = new Set<uWS.WebSocket<SocketData>>();
  const beat = setInterval(() => {
    for (const ws of sockJs) ws.send('h', false);
  }, SOCKJS_HEARTBEAT_MS);
  beat.unref();
  const behavior = (carrier: Carrier): uWS.WebSocketBehavior<SocketData> => ({
    compression: uWS.DISABLED,
    maxPayloadLength: WS_MAX_PAYLOAD_BYTES,
    // Our own cap (host.maxBackpressureBytes) closes slow consumers first; this is the hard stop.
    maxBackpressure: 4 * 1024 * 1024,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => upgrade(deps, res, req, context, carrier),
    open: (ws) => {
      const data = ws.getUserData();
      let transport: SessionTransport = ws;
      if (carrier === 'sockjs-websocket') {
        transport = new SockJsWebSocketTransport(ws);
        ws.send('o', false);
        sockJs.add(ws);
      }
      const session = new StompSession(transport, deps.host, data.token);
      data.token = undefined;
      data.session = session;
      deps.registry.add(session);
      deps.metrics.connections.inc({ transport: carrier });
    },
    message: (ws, message) => {
      const session = ws.getUserData().session;
      if (!session || carrier !== 'sockjs-websocket') return session?.onBytes(Buffer.from(message));
      const pieces = sockJsMessages(Buffer.from(message).toString('utf8'));
      if (!pieces) return session.fail('malformed SockJS frame', CLOSE.protocol);
      for (const piece of pieces) session.onBytes(Buffer.from(piece, 'utf8'));
    },
    close: (ws) => {
      const data = ws.getUserData();
      const session = data.session;
      data.session = undefined;
      sockJs.delete(ws);
      deps.metrics.connections.dec({ transport: carrier });
      if (!session) return;
      session.onClosed();
      deps.registry.remove(session);
    },
  });
  app.ws<SocketData>('/ws/chat', behavior('websocket'));
  app.ws<SocketData>('/ws/chat/websocket', behavior('raw-websocket'));
  app.ws<SocketData>('/ws/chat/:server/:session/websocket', behavior('sockjs-websocket'));
}

/**
 * Every header is read first: uWS invalidates the request once the callback returns. The per-address budget
 * is the last check (the only one that costs a Redis round trip); the socket is upgraded after it unless the
 * client left meanwhile.
 */
function upgrade(deps: EndpointDeps, res: uWS.HttpResponse, req: uWS.HttpRequest, context: uWS.us_socket_context_t, carrier: Carrier): void {
  if (headersTooLarge(req)) return refuseHeaders(res);
  const key = req.getHeader('sec-websocket-key');
  const offered = req.getHeader('sec-websocket-protocol');
  const extensions = req.getHeader('sec-websocket-extensions');
  const origin = req.getHeader('origin');
  const hostHeader = req.getHeader('host');
  const token = new URLSearchParams(req.getQuery() ?? '').get('access_token') ?? undefined;
  const client = clientOf(deps.trustedProxies, res, req);
  // SockJS ids: any characters but a dot (and the server id is a routing hint only: no sticky sessions needed).
  if (carrier === 'sockjs-websocket' && [req.getParameter(0), req.getParameter(1)].some((id) => !id || id.includes('.'))) {
    res.cork(() => res.writeStatus('404 Not Found').end('Not Found', true));
    return;
  }
  if (deps.isDraining()) {
    res.cork(() => res.writeStatus('503 Service Unavailable').end('draining', true));
    return;
  }
  if (!deps.origins.isAllowed(origin || undefined, hostHeader, client.proto)) {
    deps.log.info({ ip: client.ip, origin }, 'upgrade refused: origin not allowed');
    refuseUpgrade(res, forbidden('origin not allowed'));
    return;
  }
  const wanted = offered.split(',').map((p) => p.trim());
  const protocol = SUBPROTOCOLS.find((p) => wanted.includes(p)) ?? '';
  let aborted = false;
  res.onAborted(() => (aborted = true));
  void deps.admitSession(client.ip).then(
    (refused) => {
      if (aborted) return;
      if (refused) return refuseUpgrade(res, refused);
      res.cork(() => res.upgrade<SocketData>({ token, session: undefined, carrier }, key, protocol, extensions, context));
    },
    (err: unknown) => {
      deps.log.warn({ err }, 'upgrade failed');
      if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end('', true));
    },
  );
}
