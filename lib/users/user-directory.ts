import type { Knex } from 'knex';
import { preparedQuery } from '../db/prepared-query';
import type { Principal } from '../identity/principal';
import { primaryRole, type Role } from '../identity/roles';
import { TurnBatch } from '../async/turn-batch';
import { UserModel } from './user.model';

export interface DirectoryUser {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
}

const CACHE_LIMIT = 50_000;

/** Rows whose name and role are unchanged are not rewritten (no dead tuple, no WAL): a reconnect is a read. */
const UPSERT = {
  name: 'oh-users-upsert',
  text: `INSERT INTO users (id, name, role) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, updated_at = now()
    WHERE users.name IS DISTINCT FROM excluded.name OR users.role IS DISTINCT FROM excluded.role`,
};

/**
 * Users are upserted from token claims; a per-process cache of what was last written means a
 * user costs one database write when first seen or when their name/role changes, not per request.
 */
export class UserDirectory {
  private readonly seen = new Map<string, string>();
  /** Writes under way, by id and fingerprint: a burst of one user's requests waits on one write. */
  private readonly writing = new Map<string, Promise<void>>();
  /** Users first seen in one event-loop turn: a connect storm writes them in one statement. */
  private readonly firstSeen = new TurnBatch<DirectoryUser, void>((users) => this.upsertMany(users));

  constructor(private readonly knex: Knex) {}

  async upsertFromPrincipal(principal: Principal): Promise<void> {
    await this.upsert({ id: principal.userId, name: principal.name, role: primaryRole(principal.roles) });
  }

  async upsert(user: DirectoryUser): Promise<void> {
    const fingerprint = `${user.role}\u0000${user.name}`;
    if (this.seen.get(user.id) === fingerprint) return;
    const key = `${user.id}\u0000${fingerprint}`;
    let write = this.writing.get(key);
    if (!write) {
      write = this.firstSeen.add(user).finally(() => this.writing.delete(key));
      this.writing.set(key, write);
    }
    return write;
  }

  async upsertMany(users: readonly DirectoryUser[]): Promise<void> {
    if (users.length === 0) return;
    // One row per id: a statement may not update the same row twice (the last claim wins).
    const byId = new Map(users.map((u) => [u.id, u]));
    // Rows locked in one order by every statement, so concurrent upserts cannot deadlock.
    const rows = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    await preparedQuery(this.knex, UPSERT, [rows.map((u) => u.id), rows.map((u) => u.name), rows.map((u) => u.role)]);
    for (const u of rows) this.remember(u.id, `${u.role}\u0000${u.name}`);
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

  /** Erasure: the row stays (others' rows, the audit trail, may still name the id); the name does not. */
  async markErased(userId: string, erasedName: string, trx: Knex.Transaction): Promise<void> {
    await trx('users').where('id', userId).update({ name: erasedName, erased_at: this.knex.fn.now(), updated_at: this.knex.fn.now() });
  }

  /** The pseudonymous user an erased person's consultations move to, with the person's role; kept if it exists. */
  async addPseudonym(pseudonymId: string, erasedName: string, ofUserId: string): Promise<void> {
    const user = (await this.knex('users').where('id', ofUserId).first('role')) as { role: string } | undefined;
    await this.knex('users')
      .insert({ id: pseudonymId, name: erasedName, role: user?.role ?? 'STUDENT', erased_at: this.knex.fn.now() })
      .onConflict('id')
      .ignore();
  }
}
