import { historySchema } from './response-schemas';
import { historyInput } from '../../lib/chat/chat-inputs';
import type { ChatService } from '../../lib/chat/chat-service';
import { idSchema, parseInput } from '../../lib/validation/parse-input';
import type { Router } from '../http/router';

/** GET /api/chat/messages/{requestIdx}?afterSeq&limit: history pages in seq order. */
export function registerChatRoutes(router: Router, chat: ChatService): void {
  router.add(
    'GET',
    '/api/chat/messages/:requestIdx',
    async (ctx, params) => {
      const actor = await ctx.authenticate();
      const requestIdx = parseInput(idSchema, params['requestIdx']);
      const { afterSeq, limit } = parseInput(historyInput, await ctx.input());
      ctx.ex.sendJson(200, await chat.history(actor, requestIdx, afterSeq, limit));
    },
    {
      summary: 'Chat history in seq order, paged by afterSeq',
      who: 'a participant, ADMIN',
      params: { requestIdx: idSchema },
      query: historyInput,
      ok: { status: 200, schema: historySchema },
      errors: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_PARTICIPANT', 'NOT_FOUND'],
    },
  );
}
