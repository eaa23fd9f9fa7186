import { z } from 'zod';
import { isoDateTime, safeString } from '../validation/parse-input';
import { AUDIT_ACTIONS } from './audit-actions';

const num = z.union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)]);

export const auditSearchInput = z.object({
  actorId: safeString(128).optional(),
  target: safeString(200).optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
  page: num.pipe(z.number().int().min(0).max(1_000_000)).default(0),
  size: num.pipe(z.number().int().min(1).max(100)).default(20),
});
export type AuditSearch = z.output<typeof auditSearchInput>;
