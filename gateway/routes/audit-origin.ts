import type { AuditOrigin } from '../../lib/audit/audit-actions';
import type { Principal } from '../../lib/identity/principal';
import type { RequestContext } from '../http/request-context';

/** Who made a request, and its id and client address (past trusted proxies), for the audit trail. */
export const auditOriginOf = (ctx: RequestContext, actor: Principal): AuditOrigin => ({
  actorId: actor.userId,
  requestId: ctx.ex.requestId,
  ip: ctx.ex.remoteAddress,
});
