import { z } from 'zod';

const optionalDays = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : Number(v)))
  .pipe(z.number().positive().max(36_500).optional());

/** Retention of ended consultations and of the audit trail (CONTRACT §2; docs/data-office.md). */
export const retention = z
  .object({
    RETENTION_DAYS: optionalDays,
    RETENTION_SCAN_INTERVAL_MS: z.coerce.number().int().positive().default(86_400_000),
    RETENTION_PURGE_BATCH: z.coerce.number().int().positive().max(100_000).default(1000),
    AUDIT_RETENTION_DAYS: optionalDays,
  })
  .transform((e) => ({
    retention: {
      /** undefined → ended consultations are kept forever. */
      days: e.RETENTION_DAYS,
      scanIntervalMs: e.RETENTION_SCAN_INTERVAL_MS,
      /** Consultations per purge run; a run that reaches it queues a follow-up at once. */
      batch: e.RETENTION_PURGE_BATCH,
      /** undefined → audit rows are kept forever. */
      auditDays: e.AUDIT_RETENTION_DAYS,
      concurrency: 8,
    },
  }));
