import { z } from 'zod';
import { idSchema, isoDateTime, text } from '../validation/parse-input';
import { STATUSES } from './consultation-status';

export const createRequestInput = z.object({
  professorId: text(128),
  title: text(200),
  content: text(4000),
  desiredTime: isoDateTime.nullish(),
});

export const approveInput = z.object({ requestIdx: idSchema, scheduledTime: isoDateTime.nullish() });
export const rejectInput = z.object({ requestIdx: idSchema, reason: text(1000) });
export const cancelInput = z.object({
  requestIdx: idSchema,
  reason: z
    .string()
    .trim()
    .max(1000)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters')
    .nullish(),
});
export const requestIdxInput = z.object({ requestIdx: idSchema });

const pageNumber = z.union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)]);

export const listInput = z.object({
  page: pageNumber.pipe(z.number().int().min(0).max(1_000_000)).default(0),
  size: pageNumber.pipe(z.number().int().min(1).max(100)).default(20),
  status: z.enum(STATUSES).optional(),
});
export type ListInput = z.output<typeof listInput>;
