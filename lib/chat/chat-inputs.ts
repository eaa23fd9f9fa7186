import { z } from 'zod';
import { idSchema } from '../validation/parse-input';

/** Seqs are PostgreSQL int4: anything beyond is refused as invalid rather than failing the query. */
export const MAX_SEQ = 2_147_483_647;
const seqSchema = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\d{1,15}$/, 'must be a whole number')
      .transform(Number),
  ])
  .pipe(z.number().int().min(0).max(MAX_SEQ, `must be at most ${MAX_SEQ}`));

/** Content length is checked by the service against CHAT_MAX_MESSAGE_CHARS (configurable). */
export const sendInput = z.object({
  requestIdx: idSchema,
  // PostgreSQL text cannot hold NUL: refused here, it would otherwise block the room's persistence.
  content: z
    .string()
    .refine((s) => s.trim().length > 0, 'must not be blank')
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters'),
  clientMsgId: z
    .string()
    .min(1, 'is required')
    .max(128, 'must be at most 128 characters')
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters'),
});
export const roomInput = z.object({ requestIdx: idSchema });
export const syncInput = z.object({ requestIdx: idSchema, afterSeq: seqSchema.default(0) });
export const historyInput = z.object({
  afterSeq: seqSchema.default(0),
  limit: z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
    .pipe(z.number().int().min(1).max(500))
    .default(100),
});

/**
 * chat.send's usual body (numeric requestIdx, two well-formed strings) checked by hand: zod costs more than
 * the rest of the frame's parsing on the hot path. undefined means "ask `sendInput`", which also words the
 * error; the two agree on every body the fast path accepts (test/unit/chat-inputs-properties.test.ts).
 */
export function quickSendInput(body: Record<string, unknown>): z.output<typeof sendInput> | undefined {
  const { requestIdx, content, clientMsgId } = body;
  if (typeof requestIdx !== 'number' || !Number.isSafeInteger(requestIdx) || requestIdx <= 0) return undefined;
  if (typeof content !== 'string' || content.includes('\u0000') || content.trim().length === 0) return undefined;
  if (typeof clientMsgId !== 'string' || clientMsgId.length === 0 || clientMsgId.length > 128 || clientMsgId.includes('\u0000')) return undefined;
  return { requestIdx, content, clientMsgId };
}
