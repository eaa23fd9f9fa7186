import { z } from 'zod';

/** Field shapes the configuration sections share. */
export const posInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
export const ms = posInt;
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const flag = (fallback: 'true' | 'false') => z.enum(['true', 'false']).default(fallback);
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
export const commaList = (v: string | undefined) =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A value a section could not shape (an archive key, a CIDR): reported like any schema error. */
export function shaped<T>(ctx: z.RefinementCtx, build: () => T): T {
  try {
    return build();
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
}
