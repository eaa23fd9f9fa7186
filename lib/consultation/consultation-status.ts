/**
 * The consultation state machine (CONTRACT §4) as pure data and functions: no I/O, so it is unit-tested
 * on its own and the repository turns each transition into one conditional UPDATE.
 */
import type { ErrorCode } from '../errors/app-error';
import type { Role } from '../identity/roles';
import type { ConsultationStatus } from '../../protocol/room-events';

export { STATUSES, END_REASONS, type ConsultationStatus, type EndReason } from '../../protocol/room-events';

export const ACTIVE_STATUSES: readonly ConsultationStatus[] = ['SCHEDULED', 'IN_PROGRESS'];
export const HISTORY_STATUSES: readonly ConsultationStatus[] = ['COMPLETED', 'REJECTED', 'CANCELED'];
/** Statuses in which chat messages are accepted. */
export const CHAT_OPEN_STATUSES: readonly ConsultationStatus[] = ['SCHEDULED', 'IN_PROGRESS'];

export type LifecycleAction = 'APPROVE' | 'REJECT' | 'CANCEL' | 'START' | 'END';

export const TRANSITIONS: Readonly<Record<LifecycleAction, { from: readonly ConsultationStatus[]; to: ConsultationStatus }>> = {
  APPROVE: { from: ['PENDING'], to: 'SCHEDULED' },
  REJECT: { from: ['PENDING'], to: 'REJECTED' },
  CANCEL: { from: ['PENDING', 'SCHEDULED'], to: 'CANCELED' },
  START: { from: ['SCHEDULED'], to: 'IN_PROGRESS' },
  END: { from: ['IN_PROGRESS'], to: 'COMPLETED' },
};

export function canTransition(action: LifecycleAction, from: ConsultationStatus): boolean {
  return TRANSITIONS[action].from.includes(from);
}

export interface Actor {
  readonly userId: string;
  readonly roles: ReadonlySet<Role>;
}

export interface Parties {
  readonly studentId: string;
  readonly professorId: string;
}

export type AccessCheck = 'APPROVE' | 'REJECT' | 'CANCEL' | 'START' | 'END' | 'READ' | 'VIEW' | 'CHAT';

export const isParticipant = (actor: Actor, c: Parties): boolean => actor.userId === c.studentId || actor.userId === c.professorId;

/** Whether the actor may do `check` on a consultation: undefined when allowed, else the contract's code. */
export function accessDenial(check: AccessCheck, actor: Actor, c: Parties): ErrorCode | undefined {
  switch (check) {
    case 'APPROVE':
    case 'REJECT':
      if (actor.roles.has('ADMIN')) return undefined;
      if (!actor.roles.has('PROFESSOR')) return 'FORBIDDEN';
      return actor.userId === c.professorId ? undefined : 'NOT_PARTICIPANT';
    case 'CANCEL':
      if (!actor.roles.has('STUDENT')) return 'FORBIDDEN';
      return actor.userId === c.studentId ? undefined : 'NOT_PARTICIPANT';
    case 'VIEW':
      return isParticipant(actor, c) || actor.roles.has('ADMIN') ? undefined : 'NOT_PARTICIPANT';
    case 'START':
    case 'END':
    case 'READ':
    case 'CHAT':
      return isParticipant(actor, c) ? undefined : 'NOT_PARTICIPANT';
  }
}

/** Which role-level check applies before the consultation is even loaded (FORBIDDEN for the wrong role). */
export function roleDenial(check: AccessCheck, roles: ReadonlySet<Role>): ErrorCode | undefined {
  if ((check === 'APPROVE' || check === 'REJECT') && !roles.has('PROFESSOR') && !roles.has('ADMIN')) return 'FORBIDDEN';
  if (check === 'CANCEL' && !roles.has('STUDENT')) return 'FORBIDDEN';
  return undefined;
}
