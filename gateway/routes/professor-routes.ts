import type { ProfessorDirectory } from '../../lib/users/professor-directory';
import { professorSearchInput } from '../../lib/users/professor-search-input';
import { parseInput } from '../../lib/validation/parse-input';
import type { RequestContext } from '../http/request-context';
import type { Router } from '../http/router';
import { professorPageSchema } from './response-schemas';

/** CONTRACT §4 `GET /api/professors`, and POST with the same fields in the body like every list. */
export function registerProfessorRoutes(router: Router, professors: ProfessorDirectory): void {
  const handler = async (ctx: RequestContext) => {
    await ctx.authenticate();
    const input = parseInput(professorSearchInput, await ctx.input());
    ctx.ex.sendJson(200, await professors.search(input));
  };
  const doc = {
    summary: 'Known professors whose name or id contains q (case-insensitive), by name',
    who: 'any',
    ok: { status: 200, schema: professorPageSchema },
  };
  router.add('GET', '/api/professors', handler, { ...doc, query: professorSearchInput, errors: ['VALIDATION_FAILED', 'UNAUTHENTICATED'] });
  router.add('POST', '/api/professors', handler, { ...doc, body: professorSearchInput, errors: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'PAYLOAD_TOO_LARGE'] });
}
