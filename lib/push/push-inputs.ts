import { z } from 'zod';
import { safeString } from '../validation/parse-input';
import { NOTIFICATION_STATUSES } from './notification-log';

/** FCM registration tokens are ~160–250 characters; 1024 stays well inside PostgreSQL's index row limit. */
const pushToken = safeString(1024).pipe(z.string().min(1, 'is required'));
export const registerTokenInput = z.object({
  token: pushToken,
  platform: z.enum(['android', 'ios', 'web']),
});
export const unregisterTokenInput = z.object({ token: pushToken });

const num = z.union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)]);
export const notificationSearchInput = z.object({
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  kind: safeString(32).optional(),
  userId: safeString(128).optional(),
  requestIdx: num.pipe(z.number().int().positive()).optional(),
  page: num.pipe(z.number().int().min(0)).default(0),
  size: num.pipe(z.number().int().min(1).max(100)).default(20),
});
