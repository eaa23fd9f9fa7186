import type { z } from 'zod';
import { consultationPageSchema, consultationSchema, readMarkSchema } from './response-schemas';
import type { Page } from '../../lib/consultation/consultation-repository';
import type { ConsultationLifecycle } from '../../lib/consultation/consultation-lifecycle';
import type { ConsultationModel } from '../../lib/consultation/consultation.model';
import { toConsultationView } from '../../lib/consultation/consultation-view';
import {
  approveInput,
  cancelInput,
  createRequestInput,
  listInput,
  rejectInput,
  requestIdxInput,
  type ListInput,
} from '../../lib/consultation/consultation-inputs';
import type { Principal } from '../../lib/identity/principal';
import { idSchema, parseInput } from '../../lib/validation/parse-input';
import type { RequestContext } from '../http/request-context';
import type { RouteDoc, RouteHandler, Router } from '../http/router';
import { auditOriginOf } from './audit-origin';
import { consultationTarget, type AuditOrigin } from '../../lib/audit/audit-actions';
import type { AuditLog } from '../../lib/audit/audit-log';

const TRANSITION_ERRORS = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_PARTICIPANT',
  'NOT_FOUND',
  'INVALID_STATE_TRANSITION',
  'PAYLOAD_TOO_LARGE',
] as const;
const LIST_ERRORS = ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'] as const;

/** An ADMIN reading a consultation they are not part of is recorded in the audit trail. */
const VIEW_HANDLER =
  (lifecycle: ConsultationLifecycle, audit: AuditLog): RouteHandler<{ requestIdx: typeof idSchema }> =>
  async (ctx, params) => {
    const actor = await ctx.authenticate();
    const { requestIdx } = params;
    const c = await lifecycle.view(actor, requestIdx);
    if (actor.userId !== c.studentId && actor.userId !== c.professorId)
      await audit.record(auditOriginOf(ctx, actor), 'CONSULTATION_READ', consultationTarget(requestIdx));
    ctx.ex.sendJson(200, toConsultationView(c));
  };
const VIEW_DOC = {
  summary: 'One consultation',
  who: 'a participant, ADMIN',
  params: { requestIdx: idSchema },
  ok: { status: 200, schema: consultationSchema },
  errors: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_PARTICIPANT', 'NOT_FOUND'],
} satisfies RouteDoc;

const pageView = (p: Page<ConsultationModel>) => ({ ...p, items: p.items.map(toConsultationView) });

/** CONTRACT §4 consultation routes: parse, authenticate, call the lifecycle, render. */
export function registerConsultationRoutes(router: Router, lifecycle: ConsultationLifecycle, audit: AuditLog): void {
  registerRequestReadAndView(router, lifecycle, audit);
  registerTransitions(router, lifecycle);
  registerLists(router, lifecycle);
}

function registerRequestReadAndView(router: Router, lifecycle: ConsultationLifecycle, audit: AuditLog): void {
  router.add(
    'POST',
    '/api/consultation/request',
    async (ctx) => {
      const actor = await ctx.authenticate();
      const input = parseInput(createRequestInput, await ctx.input());
      ctx.ex.sendJson(201, toConsultationView(await lifecycle.request(actor, input)));
    },
    {
      summary: 'Request a consultation from a professor (PENDING)',
      who: 'STUDENT',
      body: createRequestInput,
      ok: { status: 201, schema: consultationSchema },
      errors: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE'],
    },
  );

  router.add(
    'POST',
    '/api/consultation/read',
    async (ctx) => {
      const actor = await ctx.authenticate();
      const { requestIdx } = parseInput(requestIdxInput, await ctx.input());
      ctx.ex.sendJson(200, await lifecycle.markRead(actor, requestIdx));
    },
    {
      summary: 'Mark the consultation read by the caller',
      who: 'a participant',
      body: requestIdxInput,
      ok: { status: 200, schema: readMarkSchema },
      errors: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_PARTICIPANT', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE'],
    },
  );

  router.add('GET', '/api/consultation/:requestIdx', VIEW_HANDLER(lifecycle, audit), VIEW_DOC);
}

/** Approve, reject, cancel and end write their audit row in the lifecycle, in the change's own commit. */
function registerTransitions(router: Router, lifecycle: ConsultationLifecycle): void {
  const transition = <S extends z.ZodType>(
    path: string,
    summary: string,
    who: string,
    body: S,
    run: (actor: Principal, input: z.output<S>, origin: AuditOrigin) => Promise<ConsultationModel>,
  ) =>
    router.add(
      'POST',
      path,
      async (ctx) => {
        const actor = await ctx.authenticate();
        const c = await run(actor, parseInput(body, await ctx.input()), auditOriginOf(ctx, actor));
        ctx.ex.sendJson(200, toConsultationView(c));
      },
      { summary, who, body, ok: { status: 200, schema: consultationSchema }, errors: TRANSITION_ERRORS },
    );
  const l = lifecycle;
  // A table: one transition a line.
  // prettier-ignore
  {
    transition('/api/consultation/approve', 'Approve a request (SCHEDULED)', 'the addressed PROFESSOR, ADMIN', approveInput, (a, i, o) => l.approve(a, i.requestIdx, i.scheduledTime, o));
    transition('/api/consultation/reject', 'Reject a request (REJECTED)', 'the addressed PROFESSOR, ADMIN', rejectInput, (a, i, o) => l.reject(a, i.requestIdx, i.reason, o));
    transition('/api/consultation/cancel', 'Cancel a PENDING or SCHEDULED request (CANCELED)', 'the requesting STUDENT', cancelInput, (a, i, o) => l.cancel(a, i.requestIdx, i.reason, o));
    transition('/api/consultation/start', 'Start the consultation (IN_PROGRESS; idempotent)', 'a participant', requestIdxInput, (a, i) => l.start(a, i.requestIdx));
    transition('/api/consultation/end', 'End the consultation (COMPLETED, endReason USER); the archive follows', 'a participant', requestIdxInput, (a, i, o) => l.end(a, i.requestIdx, o));
  }
}

function registerLists(router: Router, lifecycle: ConsultationLifecycle): void {
  const list = (path: string, summary: string, who: string, run: (actor: Principal, q: ListInput) => Promise<Page<ConsultationModel>>) => {
    const handler = async (ctx: RequestContext) => {
      const actor = await ctx.authenticate();
      const q = parseInput(listInput, await ctx.input());
      ctx.ex.sendJson(200, pageView(await run(actor, q)));
    };
    const doc = { summary, who, ok: { status: 200, schema: consultationPageSchema }, errors: LIST_ERRORS };
    router.add('GET', path, handler, { ...doc, query: listInput });
    router.add('POST', path, handler, { ...doc, body: listInput });
  };
  list('/api/consultation/active', "The caller's SCHEDULED and IN_PROGRESS consultations", 'any', (a, q) => lifecycle.listActive(a, q));
  list('/api/consultation/history', "The caller's COMPLETED, REJECTED and CANCELED consultations", 'any', (a, q) => lifecycle.listHistory(a, q));
  list('/api/consultation/my-requests', 'Requests the caller sent', 'STUDENT', (a, q) => lifecycle.listMyRequests(a, q));
  list('/api/consultation/received', 'Requests the caller received', 'PROFESSOR', (a, q) => lifecycle.listReceived(a, q));
}
