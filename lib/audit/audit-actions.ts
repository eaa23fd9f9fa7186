import type { LifecycleAction } from '../consultation/consultation-status';

/** What the audit trail records (CONTRACT §4 GET /api/admin/audit). */
export const AUDIT_ACTIONS = [
  // An ADMIN reading a consultation, or its history, that they are not a participant of.
  'CONSULTATION_READ',
  'HISTORY_READ',
  // Any archive download, a participant's too.
  'ARCHIVE_DOWNLOAD',
  'APPROVE',
  'REJECT',
  'CANCEL',
  'END',
  'EXPORT',
  'ERASE',
  'LEGAL_HOLD_SET',
  'LEGAL_HOLD_RELEASED',
  'PURGE',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Status changes recorded in the same commit as the change, by a person or (SYSTEM_ORIGIN) the system. */
export const AUDITED_TRANSITIONS: Partial<Record<LifecycleAction, AuditAction>> = { APPROVE: 'APPROVE', REJECT: 'REJECT', CANCEL: 'CANCEL', END: 'END' };

/** Targets are typed strings, so one filter finds every row about one thing. */
export const consultationTarget = (requestIdx: number) => `consultation:${requestIdx}`;
export const userTarget = (userId: string) => `user:${userId}`;

/** Who and from where: a REST request's id and client address; neither for the system. */
export interface AuditOrigin {
  readonly actorId: string | null;
  readonly requestId: string | null;
  readonly ip: string | null;
}

export const SYSTEM_ORIGIN: AuditOrigin = { actorId: null, requestId: null, ip: null };
