import type { z } from 'zod';
import { notFound, AppError, type ErrorCode } from '../../lib/errors/app-error';
import { parseInput } from '../../lib/validation/parse-input';
import type { RequestContext } from './request-context';

/** Path parameter schemas by name, as a route documents them. */
export type ParamSchemas = Readonly<Record<string, z.ZodType>>;

/**
 * A route's path parameters, each parsed by its documented schema when the handler reads it: after the
 * handler has authenticated, so a caller without a token gets UNAUTHENTICATED before VALIDATION_FAILED.
 */
export type PathParams<P extends ParamSchemas> = { readonly [K in keyof P]: z.output<P[K]> };

export type RouteHandler<P extends ParamSchemas = ParamSchemas> = (ctx: RequestContext, params: PathParams<P>) => Promise<void>;

/**
 * What a route documents about itself, built from the same schemas it validates with: the OpenAPI
 * document (gateway/http/openapi-document.ts) is generated from these, never kept by hand.
 */
export interface RouteDoc<P extends ParamSchemas = ParamSchemas> {
  readonly summary: string;
  /** Who may call it (CONTRACT §4 "who"); anonymous routes say so. */
  readonly who: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  /** Path parameter schemas by name: one for each `:name` of the pattern, and what the handler reads. */
  readonly params?: P;
  /** The success response: status, and a JSON schema or a content type for other bodies. */
  readonly ok: { readonly status: number; readonly schema?: z.ZodType; readonly contentType?: string };
  /** Error codes this route can answer with (besides INTERNAL and RATE_LIMITED, which any can). */
  readonly errors: readonly ErrorCode[];
}

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly handler: (ctx: RequestContext, raw: Readonly<Record<string, string>>) => Promise<void>;
  readonly doc?: RouteDoc;
}

/** Matches `/api/consultation/:requestIdx`-style patterns; literal segments win over parameters. */
export class Router {
  private readonly routes: Route[] = [];

  add<P extends ParamSchemas = Record<never, never>>(method: string, pattern: string, handler: RouteHandler<P>, doc?: RouteDoc<P>): this {
    const segments = pattern.split('/').filter(Boolean);
    const schemas: ParamSchemas = doc?.params ?? {};
    const undocumented = segments.filter((s) => s.startsWith(':') && !schemas[s.slice(1)]);
    if (undocumented.length) throw new Error(`${method} ${pattern}: no schema for ${undocumented.join(', ')}`);
    const run = (ctx: RequestContext, raw: Readonly<Record<string, string>>) => handler(ctx, pathParams(schemas, raw) as PathParams<P>);
    this.routes.push({ method, pattern, segments, handler: run, doc });
    // Literal routes first, so `/api/consultation/active` is never taken as `:requestIdx`.
    this.routes.sort((a, b) => paramCount(a) - paramCount(b));
    return this;
  }

  /** Every route with its documentation (the OpenAPI document and its test read this). */
  list(): readonly { method: string; pattern: string; doc?: RouteDoc }[] {
    return this.routes.map(({ method, pattern, doc }) => ({ method, pattern, doc }));
  }

  /** The matching route, or a NOT_FOUND error (405 is reported as 404 too: the contract has no code for it). */
  match(method: string, path: string): { route: Route; params: Record<string, string> } {
    const parts = path.split('/').filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = route.segments[i]!;
        const part = parts[i]!;
        if (seg.startsWith(':')) params[seg.slice(1)] = safeDecode(part);
        else ok = seg === part;
      }
      if (ok) return { route, params };
    }
    throw notFound(`no route for ${method} ${path.slice(0, 200)}`);
  }

  /** The pattern of a matched path, for metrics labels (bounded cardinality). */
  static label(route: { pattern: string } | undefined): string {
    return route?.pattern ?? 'unmatched';
  }
}

function pathParams(schemas: ParamSchemas, raw: Readonly<Record<string, string>>): Record<string, unknown> {
  const params = {};
  for (const [name, schema] of Object.entries(schemas)) Object.defineProperty(params, name, { enumerable: true, get: () => parseInput(schema, raw[name]) });
  return params;
}

function paramCount(r: Route): number {
  return r.segments.filter((s) => s.startsWith(':')).length;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'malformed path');
  }
}
