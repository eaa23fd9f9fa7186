import type { Logger } from '../../lib/logging/logger';
import type { Principal } from '../../lib/identity/principal';
import type { HttpExchange } from './http-exchange';

/** What a route handler gets: the exchange, a logger scoped to the request, and lazy authentication. */
export interface RequestContext {
  readonly ex: HttpExchange;
  readonly log: Logger;
  /** Verifies the bearer token (and upserts the user); throws UNAUTHENTICATED. */
  authenticate(): Promise<Principal>;
  /** The JSON body as an object (GET → the query string as an object). */
  input(): Promise<Record<string, unknown>>;
}
