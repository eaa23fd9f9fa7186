import { notFound, AppError } from '../../lib/errors/app-error';
import type { RequestContext } from './request-context';

export type RouteHandler = (ctx: RequestContext, params: Readonly<Record<string, string>>) => Promise<void>;

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

/** Matches `/api/consultation/:requestIdx`-style patterns; literal segments win over parameters. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean), handler });
    // Literal routes first, so `/api/consultation/active` is never taken as `:requestIdx`.
    this.routes.sort((a, b) => paramCount(a) - paramCount(b));
    return this;
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
