import { forbidden } from '../../lib/errors/app-error';
import { refuseUpgrade } from '../protocol-errors';
import uWS from 'uWebSockets.js';
import type { OriginPolicy } from '../http/origin-policy';
import type { GatewayMetrics } from '../gateway-metrics';
import type { SessionRegistry } from './session-registry';
import { StompSession } from './stomp-session';
import type { Logger } from '../../lib/logging/logger';
import { resolveClient, type TrustedProxies } from '../../lib/network/trusted-proxies';
import type { StompSessionHost } from './stomp-session-host';

interface SocketData {
  token: string | undefined;
  session: StompSession | undefined;
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
}

/** The `/ws/chat` WebSocket route: upgrade checks (draining, Origin, subprotocol) and socket → session glue. */
export function registerStompEndpoint(app: uWS.TemplatedApp, deps: EndpointDeps): void {
  app.ws<SocketData>('/ws/chat', {
    compression: uWS.DISABLED,
    maxPayloadLength: WS_MAX_PAYLOAD_BYTES,
    // Our own cap (host.maxBackpressureBytes) closes slow consumers first; this is the hard stop.
    maxBackpressure: 4 * 1024 * 1024,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => upgrade(deps, res, req, context),
    open: (ws) => {
      const data = ws.getUserData();
      const session = new StompSession(ws, deps.host, data.token);
      data.token = undefined;
      data.session = session;
      deps.registry.add(session);
      deps.metrics.connections.inc();
    },
    message: (ws, message) => {
      ws.getUserData().session?.onBytes(Buffer.from(message));
    },
    close: (ws) => {
      const data = ws.getUserData();
      const session = data.session;
      data.session = undefined;
      deps.metrics.connections.dec();
      if (!session) return;
      session.onClosed();
      deps.registry.remove(session);
    },
  });
}

/** Every header is read first: uWS invalidates the request once the callback returns. */
function upgrade(deps: EndpointDeps, res: uWS.HttpResponse, req: uWS.HttpRequest, context: uWS.us_socket_context_t): void {
  const key = req.getHeader('sec-websocket-key');
  const offered = req.getHeader('sec-websocket-protocol');
  const extensions = req.getHeader('sec-websocket-extensions');
  const origin = req.getHeader('origin');
  const hostHeader = req.getHeader('host');
  const token = new URLSearchParams(req.getQuery() ?? '').get('access_token') ?? undefined;
  const client = resolveClient(deps.trustedProxies, Buffer.from(res.getRemoteAddressAsText()).toString(), (name) => req.getHeader(name) || undefined);
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
  res.cork(() => res.upgrade<SocketData>({ token, session: undefined }, key, protocol, extensions, context));
}
