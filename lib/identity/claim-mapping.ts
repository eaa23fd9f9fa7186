import type { JwtPayload } from 'jsonwebtoken';
import { unauthenticated } from '../errors/app-error';
import type { Principal } from './principal';
import { normalizeRole, type Role } from './roles';

/** Where a provider's tokens carry roles and the display name (JWT_ROLE_CLAIM, JWT_ROLE_MAP, JWT_NAME_CLAIM). */
export interface ClaimMapping {
  /** A claim name or dotted path (`realm_access.roles`); undefined → `roles`, else `role`. */
  readonly roleClaim: string | undefined;
  /** Provider role → our role; when set, values it does not name are ignored. */
  readonly roleMap: ReadonlyMap<string, Role> | undefined;
  readonly nameClaim: string;
}

export const DEFAULT_CLAIM_MAPPING: ClaimMapping = { roleClaim: undefined, roleMap: undefined, nameClaim: 'name' };

/** `faculty:PROFESSOR,student:STUDENT`; the last `:` splits, so provider roles may contain colons (URNs). */
export function parseRoleMap(raw: string): ReadonlyMap<string, Role> {
  const map = new Map<string, Role>();
  for (const entry of raw.split(',')) {
    const at = entry.lastIndexOf(':');
    const from = entry.slice(0, at).trim();
    const to = normalizeRole(entry.slice(at + 1));
    if (at <= 0 || !from || !to) throw new Error(`JWT_ROLE_MAP entry "${entry.trim()}" must be providerRole:STUDENT|PROFESSOR|ADMIN`);
    map.set(from, to);
  }
  return map;
}

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const CONTROL_CHARS_ALL = new RegExp(CONTROL_CHARS.source, 'g');

/** The value at a dotted path (`realm_access.roles`); a claim whose own name holds the dots wins (`https://x.edu/roles`). */
function claimAt(claims: JwtPayload, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let at: unknown = claims;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function rawRoles(claims: JwtPayload, mapping: ClaimMapping): unknown[] {
  const value = mapping.roleClaim ? claimAt(claims, mapping.roleClaim) : Array.isArray(claims['roles']) ? claims['roles'] : claims['role'];
  return Array.isArray(value) ? value : [value];
}

/** The caller from verified claims; a token with no usable `sub` or no (mapped) known role is refused. */
export function principalFromClaims(claims: JwtPayload, mapping: ClaimMapping): Principal {
  const sub = claims.sub;
  // Control characters in an id would end up in headers (CONNECTED user-name) and logs.
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128 || CONTROL_CHARS.test(sub)) throw unauthenticated('token has no usable sub');
  const roles = new Set<Role>();
  for (const r of rawRoles(claims, mapping)) {
    const role = mapping.roleMap ? (typeof r === 'string' ? mapping.roleMap.get(r) : undefined) : normalizeRole(r);
    if (role) roles.add(role);
  }
  if (roles.size === 0) throw unauthenticated('token carries no known role');
  const rawName = claimAt(claims, mapping.nameClaim);
  const name = typeof rawName === 'string' ? rawName.replace(CONTROL_CHARS_ALL, ' ').trim().slice(0, 200) || sub : sub;
  return {
    userId: sub,
    name,
    roles,
    expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
  };
}
