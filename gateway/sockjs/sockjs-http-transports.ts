import type uWS from 'uWebSockets.js';
import type { AppError } from '../../lib/errors/app-error';
import type { Logger } from '../../lib/logging/logger';
import type { TrustedProxies } from '../../lib/network/trusted-proxies';
import { clientOf } from '../http/client-address';
import { headersTooLarge, refuseHeaders } from '../http/header-limits';
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
const MAX_SEND_BYTES = 64 * 1024;
const ONE_YEAR = 31_536_000;

export interface SockJsHttpDeps {
  readonly table: SockJsSessionTable;
  readonly relay: SockJsRelay;
  readonly origins: OriginPolicy;
  readonly trustedProxies: TrustedProxies | undefined;
  readonly log: Logger;
  isDraining(): boolean;
  /** The per-address budget of new sessions: undefined when this one may open, else why not. */
  admitSession(ip: string): Promise<AppError | undefined>;
}

/** What a handler reads from the request before its first await (uWS invalidates `req` after). */
interface RequestFacts {
  sessionId: string;
  ids: [string, string];
  origin: string;
  host: string;
  ip: string;
  proto: 'http' | 'https' | undefined;
  token: string | undefined;
}

function factsOf(res: uWS.HttpResponse, req: uWS.HttpRequest, deps: SockJsHttpDeps): RequestFacts {
  const client = clientOf(deps.trustedProxies, res, req);
  return {
    sessionId: req.getParameter(1) ?? '',
    ids: [req.getParameter(0) ?? '', req.getParameter(1) ?? ''],
    origin: req.getHeader('origin'),
    host: req.getHeader('host'),
    ip: client.ip,
    proto: client.proto,
    token: new URLSearchParams(req.getQuery() ?? '').get('access_token') ?? undefined,
  };
}

function plain(res: uWS.HttpResponse, status: string, body: string, origin: string): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', 'text/plain; charset=UTF-8');
    res.writeHeader('Access-Control-Allow-Origin', origin || '*').writeHeader('Access-Control-Allow-Credentials', 'true');
    res.end(body);
  });
}

/**
 * The SockJS HTTP transports (protocol 0.3) at `/ws/chat/{server}/{session}/…`: `xhr` polling, `xhr_streaming`
 * and `eventsource` receive, `xhr_send` sends. Any gateway serves any request: a session is run by the
 * gateway its first receiving request reached, and the others reach it through the relay (docs/sockjs.md).
 */
export function registerSockJsHttpTransports(app: uWS.TemplatedApp, deps: SockJsHttpDeps): void {
  const receiving = (transport: ReceivingTransport) => (res: uWS.HttpResponse, req: uWS.HttpRequest) => {
    if (headersTooLarge(req)) return refuseHeaders(res);
    const facts = factsOf(res, req, deps);
    if (!facts.ids.every((id) => VALID_ID.test(id))) return plain(res, '404 Not Found', 'Not Found', facts.origin);
    const receiver = new SockJsReceiver(res, transport, (r) => {
      deps.table.detach(facts.sessionId, r);
      if (r.life) deps.relay.releaseReceiver(r.life, r.token).catch(() => undefined);
    });
    serveReceiver(deps, facts, receiver).catch((err: unknown) => {
      deps.log.warn({ err }, 'SockJS receiving request failed');
      receiver.end();
    });
  };
  app.post(`${BASE}/xhr`, receiving('xhr'));
  app.post(`${BASE}/xhr_streaming`, receiving('xhr_streaming'));
  app.get(`${BASE}/eventsource`, receiving('eventsource'));
  app.post(`${BASE}/xhr_send`, (res, req) => (headersTooLarge(req) ? refuseHeaders(res) : handleSend(deps, res, factsOf(res, req, deps))));
  for (const t of ['xhr', 'xhr_send', 'xhr_streaming'])
    app.options(`${BASE}/${t}`, (res, req) => {
      if (headersTooLarge(req)) return refuseHeaders(res);
      const origin = req.getHeader('origin');
      const requested = req.getHeader('access-control-request-headers');
      res.cork(() => {
        res.writeStatus('204 No Content').writeHeader('Cache-Control', `public, max-age=${ONE_YEAR}`).writeHeader('Access-Control-Max-Age', String(ONE_YEAR));
        res.writeHeader('Access-Control-Allow-Methods', 'OPTIONS, POST').writeHeader('Access-Control-Allow-Origin', origin || '*');
        res.writeHeader('Access-Control-Allow-Credentials', 'true');
        if (requested) res.writeHeader('Access-Control-Allow-Headers', requested);
        res.end();
      });
    });
}

async function serveReceiver(deps: SockJsHttpDeps, f: RequestFacts, receiver: SockJsReceiver, retried = false): Promise<void> {
  const { table, relay } = deps;
  const local = table.local(f.sessionId);
  if (local) {
    if (local.closeFrame) return answerClosed(relay, local.life, local.closeFrame, receiver, f.origin);
    if (!(await claimReceiver(relay, local.life, receiver))) return answer(receiver, f.origin, ANOTHER_CONNECTION);
    receiver.start(f.origin);
    return local.attach(receiver, false);
  }
  const owner = await relay.owner(f.sessionId);
  if (owner.kind === 'closed') return answerClosed(relay, owner.life, owner.frame, receiver, f.origin);
  if (owner.kind === 'gateway') {
    if (!(await claimReceiver(relay, owner.life, receiver))) return answer(receiver, f.origin, ANOTHER_CONNECTION);
    receiver.start(f.origin);
    return table.serveRemote(owner.life, receiver);
  }
  // A new session: the same admission as a WebSocket upgrade, before anything is kept for it.
  if (deps.isDraining()) return receiver.refuse('503 Service Unavailable', 'draining');
  if (!deps.origins.isAllowed(f.origin || undefined, f.host, f.proto)) return receiver.refuse('403 Forbidden', 'origin not allowed');
  const refused = await deps.admitSession(f.ip);
  // SockJS's own refusal: a close frame, which sockjs-client reports as the close instead of trying its next transport.
  if (refused) return answer(receiver, f.origin, closeFrame(CLOSE.tryAgain, `${refused.code}: ${refused.message}`));
  if (!receiver.isOpen) return;
  const life = await relay.claim(f.sessionId);
  if (!life) return retried ? receiver.end() : serveReceiver(deps, f, receiver, true);
  const session = table.create(life, f.token, receiver.transport);
  if (!(await claimReceiver(relay, life, receiver))) return answer(receiver, f.origin, ANOTHER_CONNECTION);
  receiver.start(f.origin);
  await session.attach(receiver, true);
}

/** Takes the session's receiver slot for this request (released when the request ends). */
async function claimReceiver(relay: SockJsRelay, life: SockJsLife, receiver: SockJsReceiver): Promise<boolean> {
  if (!(await relay.claimReceiver(life, receiver.token))) return false;
  receiver.life = life;
  return true;
}

const closeFrame = (code: number, reason: string) => `c${JSON.stringify([code, reason])}`;

function answer(receiver: SockJsReceiver, origin: string, frame: string): void {
  receiver.start(origin);
  receiver.write(frame);
  receiver.end();
}

/**
 * A request for a session that ended: what its outbox still holds first (the ERROR of a refused CONNECT
 * that no poll was waiting for), then its close frame. A poll carries one of them per request.
 */
async function answerClosed(relay: SockJsRelay, life: SockJsLife, frame: string, receiver: SockJsReceiver, origin: string): Promise<void> {
  receiver.start(origin);
  await deliverOutbox(relay, life, receiver);
  if (receiver.isOpen) receiver.write(frame);
}

function handleSend(deps: SockJsHttpDeps, res: uWS.HttpResponse, f: RequestFacts): void {
  if (!f.ids.every((id) => VALID_ID.test(id))) return plain(res, '404 Not Found', 'Not Found', f.origin);
  let aborted = false;
  res.onAborted(() => (aborted = true));
  const chunks: Buffer[] = [];
  let size = 0;
  res.onData((chunk, isLast) => {
    size += chunk.byteLength;
    if (size <= MAX_SEND_BYTES) chunks.push(Buffer.from(chunk.slice(0)));
    if (!isLast) return;
    const reply = (status: string, body: string) => !aborted && plain(res, status, body, f.origin);
    if (size > MAX_SEND_BYTES) return reply('413 Payload Too Large', 'Payload too large.');
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return reply('500 Internal Server Error', 'Payload expected.');
    const pieces = sockJsMessages(text);
    if (!pieces) return reply('500 Internal Server Error', 'Broken JSON encoding.');
    if (deps.table.inbound(f.sessionId, pieces)) return reply('204 No Content', '');
    void deps.relay
      .owner(f.sessionId)
      .then((o) => (o.kind === 'gateway' ? deps.relay.forward(o.gatewayId, o.life, pieces) : false))
      .then(
        (ok) => reply(ok ? '204 No Content' : '404 Not Found', ok ? '' : 'Not Found'),
        () => reply('500 Internal Server Error', 'Internal error'),
      );
  });
}
