import { STATUSES, TRANSITIONS, accessDenial, canTransition, roleDenial, type LifecycleAction } from '../../lib/consultation/consultation-status';
import type { Role } from '../../lib/identity/roles';

const actor = (userId: string, ...roles: Role[]) => ({ userId, roles: new Set(roles) });
const parties = { studentId: 's1', professorId: 'p1' };

describe('consultation transitions', () => {
  const allowed: Record<LifecycleAction, string[]> = {
    APPROVE: ['PENDING'],
    REJECT: ['PENDING'],
    CANCEL: ['PENDING', 'SCHEDULED'],
    START: ['SCHEDULED'],
    END: ['IN_PROGRESS'],
  };
  for (const action of Object.keys(allowed) as LifecycleAction[]) {
    for (const status of STATUSES) {
      const expected = allowed[action].includes(status);
      it(`${action} from ${status} is ${expected ? 'allowed' : 'refused'}`, () => {
        expect(canTransition(action, status)).toBe(expected);
      });
    }
  }

  it('targets the contract statuses', () => {
    expect(Object.fromEntries(Object.entries(TRANSITIONS).map(([k, v]) => [k, v.to]))).toEqual({
      APPROVE: 'SCHEDULED',
      REJECT: 'REJECTED',
      CANCEL: 'CANCELED',
      START: 'IN_PROGRESS',
      END: 'COMPLETED',
    });
  });
});

describe('access rules', () => {
  it.each([
    ['APPROVE', actor('p1', 'PROFESSOR'), undefined],
    ['APPROVE', actor('p2', 'PROFESSOR'), 'NOT_PARTICIPANT'],
    ['APPROVE', actor('s1', 'STUDENT'), 'FORBIDDEN'],
    ['APPROVE', actor('a1', 'ADMIN'), undefined],
    ['CANCEL', actor('s1', 'STUDENT'), undefined],
    ['CANCEL', actor('s2', 'STUDENT'), 'NOT_PARTICIPANT'],
    ['CANCEL', actor('p1', 'PROFESSOR'), 'FORBIDDEN'],
    ['START', actor('p1', 'PROFESSOR'), undefined],
    ['END', actor('a1', 'ADMIN'), 'NOT_PARTICIPANT'],
    ['VIEW', actor('a1', 'ADMIN'), undefined],
    ['VIEW', actor('s2', 'STUDENT'), 'NOT_PARTICIPANT'],
    ['CHAT', actor('s1', 'STUDENT'), undefined],
  ] as const)('%s by %o → %s', (check, who, expected) => {
    expect(accessDenial(check, who, parties)).toBe(expected);
  });

  it('refuses the wrong role before looking at the consultation', () => {
    expect(roleDenial('APPROVE', new Set<Role>(['STUDENT']))).toBe('FORBIDDEN');
    expect(roleDenial('CANCEL', new Set<Role>(['PROFESSOR']))).toBe('FORBIDDEN');
    expect(roleDenial('START', new Set<Role>(['ADMIN']))).toBeUndefined();
  });
});
