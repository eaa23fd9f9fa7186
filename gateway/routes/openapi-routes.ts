import { buildOpenApiDocument } from '../http/openapi-document';
import type { Router } from '../http/router';

/** GET /api/openapi.json (CONTRACT §4): the document of every route of `router`, built once on first use. */
export function registerOpenApiRoute(router: Router, version: string): void {
  let body: string | undefined;
  router.add(
    'GET',
    '/api/openapi.json',
    async (ctx) => {
      body ??= JSON.stringify(buildOpenApiDocument(router, { title: 'Office Hours', version }));
      ctx.ex.send(200, body, 'application/json; charset=utf-8');
    },
    { summary: 'This OpenAPI 3.1 document', who: 'anyone', ok: { status: 200, contentType: 'application/json' }, errors: [] },
  );
}
