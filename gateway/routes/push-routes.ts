import type { z } from 'zod';
import { notificationPageSchema } from './response-schemas';
import { forbidden } from '../../lib/errors/app-error';
import type { DeviceTokenRepository } from '../../lib/push/device-token-repository';
import type { NotificationLog } from '../../lib/push/notification-log';
import { notificationSearchInput, registerTokenInput, unregisterTokenInput } from '../../lib/push/push-inputs';
import { parseInput } from '../../lib/validation/parse-input';
import type { Router } from '../http/router';

const PUSH_ERRORS = ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'PAYLOAD_TOO_LARGE'] as const;

/** Device tokens (any user, their own) and the notification log (ADMIN). */
export function registerPushRoutes(router: Router, tokens: DeviceTokenRepository, log: NotificationLog): void {
  /** The caller's own device tokens: register or remove one (204). */
  const tokenRoute = <S extends z.ZodType>(
    method: 'POST' | 'DELETE',
    body: S,
    summary: string,
    who: string,
    run: (userId: string, input: z.output<S>) => Promise<void>,
  ) =>
    router.add(
      method,
      '/api/push/tokens',
      async (ctx) => {
        const actor = await ctx.authenticate();
        await run(actor.userId, parseInput(body, await ctx.input()));
        ctx.ex.send(204, undefined);
      },
      { summary, who, body, ok: { status: 204 }, errors: PUSH_ERRORS },
    );
  tokenRoute('POST', registerTokenInput, "Register a device token for the caller's push notifications", 'any', (userId, i) =>
    tokens.register(userId, i.token, i.platform),
  );
  tokenRoute('DELETE', unregisterTokenInput, "Remove one of the caller's device tokens", 'the owner', (userId, i) => tokens.unregister(userId, i.token));
  router.add(
    'GET',
    '/api/admin/notifications',
    async (ctx) => {
      const actor = await ctx.authenticate();
      if (!actor.roles.has('ADMIN')) throw forbidden('ADMIN only');
      const q = parseInput(notificationSearchInput, await ctx.input());
      ctx.ex.sendJson(200, await log.search(q, q.page, q.size));
    },
    {
      summary: 'Search the notification log (every push attempt)',
      who: 'ADMIN',
      query: notificationSearchInput,
      ok: { status: 200, schema: notificationPageSchema },
      errors: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN'],
    },
  );
}
