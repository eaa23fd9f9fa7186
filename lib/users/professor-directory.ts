import type { Knex } from 'knex';
import type { Page } from '../consultation/consultation-repository';
import { preparedQuery, type PreparedStatement } from '../db/prepared-query';
import type { ProfessorSearchInput } from './professor-search-input';

export interface ProfessorEntry {
  readonly id: string;
  readonly name: string;
}

/**
 * Known professors whose name or id contains `$1` (a LIKE pattern, NULL: all), by name then id, with the
 * total through a window count. Erased people are left out (the pseudonym rows and the erased row itself)
 * unless they signed in again since, which rewrites `updated_at` after `erased_at`. Names are compared in
 * NFC so one spelling of a Hangul syllable finds the other; the role index narrows the scan to professors,
 * few enough at a university that a substring match needs no index of its own.
 */
const SEARCH: PreparedStatement = {
  name: 'oh-professors-search',
  text: `SELECT id, name, count(*) OVER () AS total_count FROM users
    WHERE role = 'PROFESSOR' AND (erased_at IS NULL OR updated_at > erased_at)
      AND ($1::text IS NULL OR normalize(name, NFC) ILIKE $1 OR id ILIKE $1)
    ORDER BY name, id OFFSET $2 LIMIT $3`,
};

/** `%`, `_` and the escape character itself match literally (backslash is PostgreSQL's default LIKE escape). */
const containsPattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The professor directory a student searches before requesting a consultation (CONTRACT §4). */
export class ProfessorDirectory {
  constructor(private readonly knex: Knex) {}

  async search(input: ProfessorSearchInput): Promise<Page<ProfessorEntry>> {
    const pattern = input.q ? containsPattern(input.q) : null;
    const rows = await preparedQuery(this.knex, SEARCH, [pattern, input.page * input.size, input.size]);
    let total = Number(rows[0]?.['total_count'] ?? 0);
    // Only a page past the end (no rows to carry the window count) needs a count of its own.
    if (rows.length === 0 && input.page > 0) total = Number((await preparedQuery(this.knex, SEARCH, [pattern, 0, 1]))[0]?.['total_count'] ?? 0);
    const items = rows.map((r) => ({ id: String(r['id']), name: String(r['name']) }));
    return { items, page: input.page, size: input.size, total };
  }
}
