import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { AppError, forbidden, unauthenticated } from '../../lib/errors/app-error';
import { bearerToken } from '../../lib/identity/bearer-token';
import type { JwtVerifier } from '../../lib/identity/jwt-verifier';
import type { Principal } from '../../lib/identity/principal';
import type { Logger } from '../../lib/logging/logger';
import type { RateLimits } from '../../lib/limits/rate-limits';
import type { UserDirectory } from '../../lib/users/user-directory';
import type { ErasureFence } from '../../lib/data-office/erasure-fence';
import { sendHttpError } from '../protocol-errors';
import { HttpExchange } from './http-exchange';
import { cors } from './cors';
import { recordExchange, type HttpObserver } from './exchange-record';
import { headersTooLarge, refuseHeaders } from './header-limits';
import { readJsonBody } from './json-body';
import type { OriginPolicy } from './origin-policy';
import type { RequestContext } from './request-context';
import { Router } from './router';
import type { TrustedProxies } from '../../lib/network/trusted-proxies';

export interface HttpPipelineDeps {
  readonly router: Router;
  readonly verifier: JwtVerifier;
  readonly users: UserDirectory;
  /** A person whose erasure is under way is refused (before their name could be written back). */
  readonly erasureFence: ErasureFence;
  readonly origins: OriginPolicy;
  /** TRUST_PROXY: whose forwarded headers name the client. */
  readonly trustedProxies: TrustedProxies | undefined;
  /** Per IP before authentication and per user after it, for every /api route. */
  readonly limits: RateLimits;
  readonly log: Logger;
  readonly observer?: HttpObserver;
}

/** A handler's view of one request: lazy authentication (with the user's REST budget) and its input. */
function requestContext(
  deps: HttpPipelineDeps,
  ex: HttpExchange,
  log: Logger,
  body: Promise<Record<string, unknown>> | undefined,
  limited: boolean,
): RequestContext {
  let principal: Promise<Principal> | undefined;
  return {
    ex,
    log,
    authenticate: () => {
      principal ??= (async () => {
        const token = bearerToken(ex.headers['authorization']);
        if (!token) throw unauthenticated('missing bearer token');
        const p = await deps.verifier.verify(token);
        if (limited) await deps.limits.consume('rest', p.userId);
        await deps.erasureFence.assertNotUnderErasure(p.userId);
        await deps.users.upsertFromPrincipal(p);
        return p;
      })();
      return principal;
    },
    input: async () => (body ? body : Object.fromEntries(ex.query)),
  };
}

/** Builds the uWS handler that routes every HTTP request: CORS, context, dispatch, one error path. */
export function createHttpPipeline(deps: HttpPipelineDeps): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    if (headersTooLarge(req)) return refuseHeaders(res);
    const ex = new HttpExchange(res, req, deps.trustedProxies);
    const log = deps.log.child({ requestId: ex.requestId, ip: ex.remoteAddress });
    const origin = ex.headers['origin'];
    const originOk = deps.origins.isAllowed(origin, ex.headers['host'], ex.forwardedProto);
    cors.rest(ex, origin, originOk);
    // uWS delivers the body only to an onData attached before the handler returns: start reading now.
    const body = ex.method === 'GET' || ex.method === 'OPTIONS' ? undefined : readJsonBody(ex);
    // An oversized body is answered at once (413 and close), before any await: the client may stop sending.
    body?.catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'PAYLOAD_TOO_LARGE' && ex.isOpen) sendHttpError(ex, err, log);
    });
    let routeLabel = 'unmatched';
    const finish = () => recordExchange(ex, routeLabel, deps.observer, log);
    void (async () => {
      if (ex.method === 'OPTIONS') {
        if (!originOk) throw forbidden('origin not allowed');
        cors.restPreflight(ex);
        ex.send(204, undefined);
        return;
      }
      const { route, params } = deps.router.match(ex.method, ex.path);
      routeLabel = Router.label(route);
      const limited = ex.path.startsWith('/api/');
      if (limited) await deps.limits.consume('rest-ip', ex.remoteAddress);
      await route.handler(requestContext(deps, ex, log, body, limited), params);
    })()
      .catch((err: unknown) => {
        if (ex.isOpen) sendHttpError(ex, err, log);
      })
      .finally(finish);
  };
}
