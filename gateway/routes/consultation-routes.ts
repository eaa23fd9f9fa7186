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
import type { Router } from '../http/router';

const pageView = (p: Page<ConsultationModel>) => ({ ...p, items: p.items.map(toConsultationView) });

/** CONTRACT §4 consultation routes: parse, authenticate, call the lifecycle, render. */
export function registerConsultationRoutes(router: Router, lifecycle: ConsultationLifecycle): void {
  router.add('POST', '/api/consultation/request', async (ctx) => {
    const actor = await ctx.authenticate();
    const input = parseInput(createRequestInput, await ctx.input());
    ctx.ex.sendJson(201, toConsultationView(await lifecycle.request(actor, input)));
  });

  const transition = (
    path: string,
    run: (actor: Principal, body: Record<string, unknown>) => Promise<ConsultationModel>,
  ) =>
    router.add('POST', path, async (ctx) => {
      const actor = await ctx.authenticate();
      ctx.ex.sendJson(200, toConsultationView(await run(actor, await ctx.input())));
    });

  transition('/api/consultation/approve', (actor, body) => {
    const i = parseInput(approveInput, body);
    return lifecycle.approve(actor, i.requestIdx, i.scheduledTime);
  });
  transition('/api/consultation/reject', (actor, body) => {
    const i = parseInput(rejectInput, body);
    return lifecycle.reject(actor, i.requestIdx, i.reason);
  });
  transition('/api/consultation/cancel', (actor, body) => {
    const i = parseInput(cancelInput, body);
    return lifecycle.cancel(actor, i.requestIdx, i.reason);
  });
  transition('/api/consultation/start', (actor, body) => lifecycle.start(actor, parseInput(requestIdxInput, body).requestIdx));
  transition('/api/consultation/end', (actor, body) => lifecycle.end(actor, parseInput(requestIdxInput, body).requestIdx));

  router.add('POST', '/api/consultation/read', async (ctx) => {
    const actor = await ctx.authenticate();
    const { requestIdx } = parseInput(requestIdxInput, await ctx.input());
    ctx.ex.sendJson(200, await lifecycle.markRead(actor, requestIdx));
  });

  const list = (path: string, run: (actor: Principal, q: ListInput) => Promise<Page<ConsultationModel>>) => {
    const handler = async (ctx: RequestContext) => {
      const actor = await ctx.authenticate();
      const q = parseInput(listInput, await ctx.input());
      ctx.ex.sendJson(200, pageView(await run(actor, q)));
    };
    router.add('GET', path, handler);
    router.add('POST', path, handler);
  };
  list('/api/consultation/active', (a, q) => lifecycle.listActive(a, q));
  list('/api/consultation/history', (a, q) => lifecycle.listHistory(a, q));
  list('/api/consultation/my-requests', (a, q) => lifecycle.listMyRequests(a, q));
  list('/api/consultation/received', (a, q) => lifecycle.listReceived(a, q));

  router.add('GET', '/api/consultation/:requestIdx', async (ctx, params) => {
    const actor = await ctx.authenticate();
    const requestIdx = parseInput(idSchema, params['requestIdx']);
    ctx.ex.sendJson(200, toConsultationView(await lifecycle.view(actor, requestIdx)));
  });
}
