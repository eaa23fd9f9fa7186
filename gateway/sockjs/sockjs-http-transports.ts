import type uWS from 'uWebSockets.js';
import { AppError } from '../../lib/errors/app-error';
import type { Logger } from '../../lib/logging/logger';
import type { TrustedProxies } from '../../lib/network/trusted-proxies';
import { cors } from '../http/cors';
import { recordExchange, type HttpObserver } from '../http/exchange-record';
import { HttpExchange } from '../http/http-exchange';
import { headersTooLarge, refuseHeaders } from '../http/header-limits';
import { readBody } from '../http/json-body';
import type { OriginPolicy } from '../http/origin-policy';
import { CLOSE } from '../stomp/session-transport';
import { ANOTHER_CONNECTION, type SockJsSessionTable } from './sockjs-session-table';
import { SockJsReceiver, type ReceivingTransport } from './sockjs-receiver';
import type { SockJsLife, SockJsRelay } from './sockjs-relay';
import { deliverOutbox } from './sockjs-frames';
import { sockJsMessages } from './sockjs-websocket-transport';

const BASE = '/ws/chat/:server/:session';
/** SockJS ids are the client's choice: one path segment, no dot; these also keep them inside a Redis hash tag. */
const VALID_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface SockJsHttpDeps {
  readonly table: SockJsSessionTable;
  readonly relay: SockJsRelay;
  readonly origins: OriginPolicy;
  readonly trustedProxies: TrustedProxies | undefined;
  readonly log: Logger;
  readonly observer?: HttpObserver;
  isDraining(): boolean;
  /** The per-address budget of new sessions: undefined when this one may open, else why not. */
  admitSession(ip: string): Promise<AppError | undefined>;
}

/** What a handler knows of its request: the exchange (headers, client address, request id) and the SockJS ids. */
interface SockJsRequest {
  readonly ex: HttpExchange;
  readonly sessionId: string;
  readonly validIds: boolean;
  readonly token: string | undefined;
}

/**
 * One SockJS HTTP request on the same `HttpExchange` as REST (request id, client address, abort handling,
 * the request metric), with SockJS's CORS; uWS invalidates `req` after the first await, so it is read here.
 */
function sockJsRequest(deps: SockJsHttpDeps, res: uWS.HttpResponse, req: uWS.HttpRequest, route: string): SockJsRequest {
  const ex = new HttpExchange(res, req, deps.trustedProxies);
  const ids = [req.getParameter(0) ?? '', req.getParameter(1) ?? ''];
  cors.sockJs(ex);
  ex.onDone(() => recordExchange(ex, route, deps.observer, deps.log, 'debug'));
  return { ex, sessionId: ids[1]!, validIds: ids.every((id) => VALID_ID.test(id)), token: ex.query.get('access_token') ?? undefined };
}

const plain = (ex: HttpExchange, status: number, body: string) => ex.send(status, body, 'text/plain; charset=UTF-8');

/**
 * The SockJS HTTP transports (protocol 0.3) at `/ws/chat/{server}/{session}/…`: `xhr` polling, `xhr_streaming`
 * and `eventsource` receive, `xhr_send` sends. Any gateway serves any request: a session is run by the
 * gateway its first receiving request reached, and the others reach it through the relay (docs/sockjs.md).
 */
export function registerSockJsHttpTransports(app: uWS.TemplatedApp, deps: SockJsHttpDeps): void {
  const route = (transport: string) => `/ws/chat/:server/:session/${transport}`;
  const receiving = (transport: ReceivingTransport) => (res: uWS.HttpResponse, req: uWS.HttpRequest) => {
    if (headersTooLarge(req)) return refuseHeaders(res);
    const r = sockJsRequest(deps, res, req, route(transport));
    if (!r.validIds) return plain(r.ex, 404, 'Not Found');
    const receiver = new SockJsReceiver(r.ex, transport, (done) => {
      deps.table.detach(r.sessionId, done);
      if (done.life) deps.relay.releaseReceiver(done.life, done.token).catch(() => undefined);
    });
    serveReceiver(deps, r, receiver).catch((err: unknown) => {
      deps.log.warn({ err, requestId: r.ex.requestId }, 'SockJS receiving request failed');
      receiver.end();
    });
  };
  app.post(`${BASE}/xhr`, receiving('xhr'));
  app.post(`${BASE}/xhr_streaming`, receiving('xhr_streaming'));
  app.get(`${BASE}/eventsource`, receiving('eventsource'));
  app.post(`${BASE}/xhr_send`, (res, req) => (headersTooLarge(req) ? refuseHeaders(res) : handleSend(deps, sockJsRequest(deps, res, req, route('xhr_send')))));
  for (const t of ['xhr', 'xhr_send', 'xhr_streaming'])
    app.options(`${BASE}/${t}`, (res, req) => {
      if (headersTooLarge(req)) return refuseHeaders(res);
      const { ex } = sockJsRequest(deps, res, req, route(t));
      cors.sockJsPreflight(ex, 'OPTIONS, POST');
      ex.send(204, undefined);
    });
}

async function serveReceiver(deps: SockJsHttpDeps, r: SockJsRequest, receiver: SockJsReceiver, retried = false): Promise<void> {
  const { table, relay } = deps;
  const local = table.local(r.sessionId);
  if (local) {
    if (local.closeFrame) return answerClosed(relay, local.life, local.closeFrame, receiver);
    if (!(await claimReceiver(relay, local.life, receiver))) return answer(receiver, ANOTHER_CONNECTION);
    receiver.start();
    return local.attach(receiver, false);
  }
  const owner = await relay.owner(r.sessionId);
  if (owner.kind === 'closed') return answerClosed(relay, owner.life, owner.frame, receiver);
  if (owner.kind === 'gateway') {
    if (!(await claimReceiver(relay, owner.life, receiver))) return answer(receiver, ANOTHER_CONNECTION);
    receiver.start();
    return table.serveRemote(owner.life, receiver);
  }
  // A new session: the same admission as a WebSocket upgrade, before anything is kept for it.
  if (deps.isDraining()) return receiver.refuse(503, 'draining');
  const { ex } = r;
  if (!deps.origins.isAllowed(ex.headers['origin'] || undefined, ex.headers['host'], ex.forwardedProto)) return receiver.refuse(403, 'origin not allowed');
  const refused = await deps.admitSession(ex.remoteAddress);
  // SockJS's own refusal: a close frame, which sockjs-client reports as the close instead of trying its next transport.
  if (refused) return answer(receiver, closeFrame(CLOSE.tryAgain, `${refused.code}: ${refused.message}`));
  if (!receiver.isOpen) return;
  const life = await relay.claim(r.sessionId);
  if (!life) return retried ? receiver.end() : serveReceiver(deps, r, receiver, true);
  const session = table.create(life, r.token, receiver.transport);
  if (!(await claimReceiver(relay, life, receiver))) return answer(receiver, ANOTHER_CONNECTION);
  receiver.start();
  await session.attach(receiver, true);
}

/** Takes the session's receiver slot for this request (released when the request ends). */
async function claimReceiver(relay: SockJsRelay, life: SockJsLife, receiver: SockJsReceiver): Promise<boolean> {
  if (!(await relay.claimReceiver(life, receiver.token))) return false;
  receiver.life = life;
  return true;
}

const closeFrame = (code: number, reason: string) => `c${JSON.stringify([code, reason])}`;

function answer(receiver: SockJsReceiver, frame: string): void {
  receiver.start();
  receiver.write(frame);
  receiver.end();
}

/**
 * A request for a session that ended: what its outbox still holds first (the ERROR of a refused CONNECT
 * that no poll was waiting for), then its close frame. A poll carries one of them per request.
 */
async function answerClosed(relay: SockJsRelay, life: SockJsLife, frame: string, receiver: SockJsReceiver): Promise<void> {
  receiver.start();
  await deliverOutbox(relay, life, receiver);
  if (receiver.isOpen) receiver.write(frame);
}

function handleSend(deps: SockJsHttpDeps, r: SockJsRequest): void {
  const { ex } = r;
  if (!r.validIds) return plain(ex, 404, 'Not Found');
  // Started before the handler returns: uWS hands the body only to a reader attached by then.
  readBody(ex).then(
    (body) => {
      const text = body.toString('utf8');
      if (!text) return plain(ex, 500, 'Payload expected.');
      const pieces = sockJsMessages(text);
      if (!pieces) return plain(ex, 500, 'Broken JSON encoding.');
      if (deps.table.inbound(r.sessionId, pieces)) return ex.send(204, undefined);
      void deps.relay
        .owner(r.sessionId)
        .then((o) => (o.kind === 'gateway' ? deps.relay.forward(o.gatewayId, o.life, pieces) : false))
        .then(
          (ok) => (ok ? ex.send(204, undefined) : plain(ex, 404, 'Not Found')),
          () => plain(ex, 500, 'Internal error'),
        );
    },
    (err: unknown) => {
      // The rest of the body is unread: close, so it is not parsed as a next request.
      if (err instanceof AppError && err.code === 'PAYLOAD_TOO_LARGE') ex.send(413, 'Payload too large.', 'text/plain; charset=UTF-8', true);
    },
  );
}
