import { historySchema } from './response-schemas';
import { historyInput } from '../../lib/chat/chat-inputs';
import type { ChatService } from '../../lib/chat/chat-service';
import { idSchema, parseInput } from '../../lib/validation/parse-input';
import type { Router } from '../http/router';
import { auditOriginOf } from './audit-origin';
import { consultationTarget } from '../../lib/audit/audit-actions';
import type { AuditLog } from '../../lib/audit/audit-log';
import type { RoomDirectory } from '../../lib/chat/room-directory';

/** GET /api/chat/messages/{requestIdx}?afterSeq&limit: history pages in seq order. */
export function registerChatRoutes(router: Router, chat: ChatService, rooms: RoomDirectory, audit: AuditLog): void {
  router.add(
    'GET',
    '/api/chat/messages/:requestIdx',
    async (ctx, params) => {
      const actor = await ctx.authenticate();
      const { requestIdx } = params;
      const { afterSeq, limit } = parseInput(historyInput, await ctx.input());
      const page = await chat.history(actor, requestIdx, afterSeq, limit);
      const room = await rooms.get(requestIdx);
      if (actor.userId !== room.studentId && actor.userId !== room.professorId)
        await audit.record(auditOriginOf(ctx, actor), 'HISTORY_READ', consultationTarget(requestIdx));
      ctx.ex.sendJson(200, page);
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
