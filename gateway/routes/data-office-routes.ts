import { z } from 'zod';
import { auditOriginOf } from './audit-origin';
import { auditPageSchema, consultationSchema, erasureSchema } from './response-schemas';
import type { AuditLog } from '../../lib/audit/audit-log';
import { userTarget } from '../../lib/audit/audit-actions';
import { auditSearchInput } from '../../lib/audit/audit-inputs';
import type { RoomMessages } from '../../lib/chat/hot-log/room-messages';
import { toConsultationView } from '../../lib/consultation/consultation-view';
import type { ErasureRequests } from '../../lib/data-office/erasure-requests';
import type { LegalHolds } from '../../lib/data-office/legal-holds';
import { EXPORT_CONTENT_TYPE, exportUserData } from '../../lib/data-office/user-export';
import { forbidden, notFound } from '../../lib/errors/app-error';
import type { Principal } from '../../lib/identity/principal';
import type { RateLimits } from '../../lib/limits/rate-limits';
import { idSchema, parseInput, safeString } from '../../lib/validation/parse-input';
import type { Knex } from 'knex';
import type { RequestContext } from '../http/request-context';
import type { Router } from '../http/router';

export interface DataOfficeRouteDeps {
  readonly knex: Knex;
  readonly roomMessages: RoomMessages;
  readonly audit: AuditLog;
  readonly erasures: ErasureRequests;
  readonly holds: LegalHolds;
  readonly limits: RateLimits;
}

const userIdParam = safeString(128).pipe(z.string().min(1));
const legalHoldInput = z.object({ hold: z.boolean() });
const ADMIN_ERRORS = ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND'] as const;

async function adminOnly(ctx: RequestContext): Promise<Principal> {
  const actor = await ctx.authenticate();
  if (!actor.roles.has('ADMIN')) throw forbidden('ADMIN only');
  return actor;
}

/** Data-office routes (CONTRACT §4): exports, erasure, legal holds and the audit trail; docs/data-office.md. */
export function registerDataOfficeRoutes(router: Router, d: DataOfficeRouteDeps): void {
  registerExports(router, d);
  router.add(
    'POST',
    '/api/admin/users/:userId/erase',
    async (ctx, params) => {
      const actor = await adminOnly(ctx);
      ctx.ex.sendJson(202, await d.erasures.request(params.userId, auditOriginOf(ctx, actor)));
    },
    {
      summary: "Erase a user's personal data everywhere (a job; idempotent)",
      who: 'ADMIN',
      params: { userId: userIdParam },
      ok: { status: 202, schema: erasureSchema },
      errors: ADMIN_ERRORS,
    },
  );
  router.add(
    'POST',
    '/api/admin/consultations/:requestIdx/legal-hold',
    async (ctx, params) => {
      const actor = await adminOnly(ctx);
      const { requestIdx } = params;
      const { hold } = parseInput(legalHoldInput, await ctx.input());
      ctx.ex.sendJson(200, toConsultationView(await d.holds.set(requestIdx, hold, auditOriginOf(ctx, actor))));
    },
    {
      summary: 'Set or release a legal hold (a held consultation is never purged)',
      who: 'ADMIN',
      params: { requestIdx: idSchema },
      body: legalHoldInput,
      ok: { status: 200, schema: consultationSchema },
      errors: [...ADMIN_ERRORS, 'INVALID_STATE_TRANSITION', 'PAYLOAD_TOO_LARGE'],
    },
  );
  router.add(
    'GET',
    '/api/admin/audit',
    async (ctx) => {
      await adminOnly(ctx);
      ctx.ex.sendJson(200, await d.audit.search(parseInput(auditSearchInput, await ctx.input())));
    },
    { summary: 'The audit trail, newest first', who: 'ADMIN', query: auditSearchInput, ok: { status: 200, schema: auditPageSchema }, errors: ADMIN_ERRORS },
  );
}

function registerExports(router: Router, d: DataOfficeRouteDeps): void {
  const send = async (ctx: RequestContext, actor: Principal, userId: string) => {
    await d.limits.consume('data-export', actor.userId);
    if (!(await d.knex('users').where('id', userId).first('id'))) throw notFound(`user ${userId} not found`);
    await d.audit.record(auditOriginOf(ctx, actor), 'EXPORT', userTarget(userId));
    ctx.ex.setHeader('content-disposition', `attachment; filename="office-hours-export.ndjson"`);
    await ctx.ex.stream(200, EXPORT_CONTENT_TYPE, exportUserData(d, userId));
  };
  const doc = { ok: { status: 200, contentType: EXPORT_CONTENT_TYPE } } as const;
  router.add(
    'GET',
    '/api/me/export',
    async (ctx) => {
      const actor = await ctx.authenticate();
      await send(ctx, actor, actor.userId);
    },
    { summary: 'Everything held about the caller, streamed as NDJSON (docs/data-office.md)', who: 'any', ...doc, errors: ['UNAUTHENTICATED'] },
  );
  router.add(
    'GET',
    '/api/admin/users/:userId/export',
    async (ctx, params) => {
      const actor = await adminOnly(ctx);
      await send(ctx, actor, params.userId);
    },
    { summary: 'Everything held about a user, streamed as NDJSON', who: 'ADMIN', params: { userId: userIdParam }, ...doc, errors: ADMIN_ERRORS },
  );
}
