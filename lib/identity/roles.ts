export const ROLES = ['STUDENT', 'PROFESSOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

/** Accepts `STUDENT` and Spring's `ROLE_STUDENT`, any case; anything else is dropped. */
export function normalizeRole(raw: unknown): Role | undefined {
  if (typeof raw !== 'string') return undefined;
  const upper = raw
    .trim()
    .toUpperCase()
    .replace(/^ROLE_/, '');
  return (ROLES as readonly string[]).includes(upper) ? (upper as Role) : undefined;
}

/** The role a user is filed under in the directory: a chat side first, ADMIN only when it is all they are. */
export function primaryRole(roles: ReadonlySet<Role>): Role {
  if (roles.has('PROFESSOR')) return 'PROFESSOR';
  if (roles.has('STUDENT')) return 'STUDENT';
  return 'ADMIN';
}
