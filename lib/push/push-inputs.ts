import { z } from 'zod';
import { NOTIFICATION_STATUSES } from './notification-log';

export const registerTokenInput = z.object({
  token: z.string().min(1, 'is required').max(4096),
  platform: z.enum(['android', 'ios', 'web']),
});
export const unregisterTokenInput = z.object({ token: z.string().min(1, 'is required').max(4096) });

const num = z.union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)]);
export const notificationSearchInput = z.object({
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  kind: z.string().max(32).optional(),
  userId: z.string().max(128).optional(),
  requestIdx: num.pipe(z.number().int().positive()).optional(),
  page: num.pipe(z.number().int().min(0)).default(0),
  size: num.pipe(z.number().int().min(1).max(100)).default(20),
});
