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
  router.add(
    'POST',
    '/api/push/tokens',
    async (ctx) => {
      const actor = await ctx.authenticate();
      const { token, platform } = parseInput(registerTokenInput, await ctx.input());
      await tokens.register(actor.userId, token, platform);
      ctx.ex.send(204, undefined);
    },
    { summary: "Register a device token for the caller's push notifications", who: 'any', body: registerTokenInput, ok: { status: 204 }, errors: PUSH_ERRORS },
  );
  router.add(
    'DELETE',
    '/api/push/tokens',
    async (ctx) => {
      const actor = await ctx.authenticate();
      const { token } = parseInput(unregisterTokenInput, await ctx.input());
      await tokens.unregister(actor.userId, token);
      ctx.ex.send(204, undefined);
    },
    { summary: "Remove one of the caller's device tokens", who: 'the owner', body: unregisterTokenInput, ok: { status: 204 }, errors: PUSH_ERRORS },
  );
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
