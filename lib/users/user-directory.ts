import type { Knex } from 'knex';
import type { Principal } from '../identity/principal';
import { primaryRole, type Role } from '../identity/roles';
import { UserModel } from './user.model';

export interface DirectoryUser {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
}

const CACHE_LIMIT = 50_000;

/**
 * Users are upserted from token claims; a per-process cache of what was last written means a
 * user costs one database write when first seen or when their name/role changes, not per request.
 */
export class UserDirectory {
  private readonly seen = new Map<string, string>();

  constructor(private readonly knex: Knex) {}

  async upsertFromPrincipal(principal: Principal): Promise<void> {
    await this.upsert({ id: principal.userId, name: principal.name, role: primaryRole(principal.roles) });
  }

  async upsert(user: DirectoryUser): Promise<void> {
    const fingerprint = `${user.role}\u0000${user.name}`;
    if (this.seen.get(user.id) === fingerprint) return;
    await this.upsertMany([user]);
  }

  async upsertMany(users: readonly DirectoryUser[]): Promise<void> {
    if (users.length === 0) return;
    await UserModel.query(this.knex)
      .insert(users.map((u) => ({ id: u.id, name: u.name, role: u.role })))
      .onConflict('id')
      .merge({ name: this.knex.raw('excluded.name'), role: this.knex.raw('excluded.role'), updated_at: this.knex.fn.now() } as never);
    for (const u of users) this.remember(u.id, `${u.role}\u0000${u.name}`);
  }

  async find(id: string): Promise<DirectoryUser | undefined> {
    return UserModel.query(this.knex).findById(id);
  }

  private remember(id: string, fingerprint: string): void {
    if (this.seen.size >= CACHE_LIMIT) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    this.seen.delete(id);
    this.seen.set(id, fingerprint);
  }
}
