import { readArchiveText } from '../../lib/archive/archive-reader';
import { notFound } from '../../lib/errors/app-error';
import type { CoreServices } from '../../lib/runtime/core-services';
import { idSchema } from '../../lib/validation/parse-input';
import type { Router } from '../http/router';
import { auditOriginOf } from './audit-origin';
import { consultationTarget } from '../../lib/audit/audit-actions';

const CHUNK = 64 * 1024;

/** GET /api/chat/archive/download/{requestIdx}: the decrypted final log, once archived. */
export function registerArchiveRoutes(router: Router, core: CoreServices): void {
  router.add(
    'GET',
    '/api/chat/archive/download/:requestIdx',
    async (ctx, params) => {
      const actor = await ctx.authenticate();
      const c = await core.lifecycle.view(actor, params.requestIdx);
      const { requestIdx } = c;
      if (c.purgedAt)
        throw notFound(`consultation ${requestIdx} was purged on ${c.purgedAt.toISOString()} under the retention policy; its archive no longer exists`);
      if (!c.archivedAt) throw notFound(`consultation ${requestIdx} is not archived yet`);
      // GCM authenticates the whole object, so it is decrypted completely before the first byte is sent.
      const text = await readArchiveText(core.store, core.keyring, requestIdx);
      if (!text) throw notFound(`archive of consultation ${requestIdx} not found`);
      // Recorded before the first byte goes out: a download the trail cannot record does not happen.
      await core.audit.record(auditOriginOf(ctx, actor), 'ARCHIVE_DOWNLOAD', consultationTarget(requestIdx));
      ctx.ex.setHeader('content-disposition', `attachment; filename="chat_${requestIdx}_final.txt"`);
      await ctx.ex.stream(200, 'text/plain; charset=utf-8', chunks(text));
    },
    {
      summary: 'Download the decrypted final log (attachment chat_{requestIdx}_final.txt); 404 until archived',
      who: 'a participant, ADMIN',
      params: { requestIdx: idSchema },
      ok: { status: 200, contentType: 'text/plain; charset=utf-8' },
      errors: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'NOT_PARTICIPANT', 'NOT_FOUND'],
    },
  );
}

async function* chunks(buf: Buffer): AsyncIterable<Buffer> {
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
}
