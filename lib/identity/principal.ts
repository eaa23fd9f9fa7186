import type { Role } from './roles';

/** Who is calling, as established from a verified token. */
export interface Principal {
  readonly userId: string;
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
  /** Token expiry, epoch ms (undefined when the token has no `exp`). */
  readonly expiresAt: number | undefined;
}
