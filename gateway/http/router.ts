import type { z } from 'zod';
import { notFound, AppError, type ErrorCode } from '../../lib/errors/app-error';
import type { RequestContext } from './request-context';

export type RouteHandler = (ctx: RequestContext, params: Readonly<Record<string, string>>) => Promise<void>;

/**
 * What a route documents about itself, built from the same schemas it validates with: the OpenAPI
 * document (gateway/http/openapi-document.ts) is generated from these, never kept by hand.
 */
export interface RouteDoc {
  readonly summary: string;
  /** Who may call it (CONTRACT §4 "who"); anonymous routes say so. */
  readonly who: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  /** Path parameter schemas by name. */
  readonly params?: Readonly<Record<string, z.ZodType>>;
  /** The success response: status, and a JSON schema or a content type for other bodies. */
  readonly ok: { readonly status: number; readonly schema?: z.ZodType; readonly contentType?: string };
  /** Error codes this route can answer with (besides INTERNAL and RATE_LIMITED, which any can). */
  readonly errors: readonly ErrorCode[];
}

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
  readonly doc?: RouteDoc;
}

/** Matches `/api/consultation/:requestIdx`-style patterns; literal segments win over parameters. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler, doc?: RouteDoc): this {
    this.routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean), handler, doc });
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
