import { z } from 'zod';
import { validationFailed } from '../errors/app-error';

/** Parses untrusted input with a schema; the first problem becomes a VALIDATION_FAILED with its field path. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw validationFailed(`${where}${issue?.message ?? 'invalid input'}`);
}

/** A positive integer id, as a JSON number or a numeric string (Spring clients send either). */
export const idSchema = z.union([
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().max(Number.MAX_SAFE_INTEGER, 'is too large')),
]);

/** A string with no NUL (PostgreSQL text cannot hold it) and a maximum length. */
export const safeString = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

/** A non-blank string after trimming, with a maximum length in characters. */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be blank')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

export const isoDateTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
