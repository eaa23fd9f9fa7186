import type { HttpExchange } from './http-exchange';

const REST_ALLOW_HEADERS = 'authorization, content-type, x-request-id';
const REST_ALLOW_METHODS = 'GET, POST, DELETE, OPTIONS';
const ONE_YEAR = 31_536_000;

/**
 * CORS for both HTTP surfaces, in one place. REST: the origin is echoed only when the Origin policy allows
 * it. SockJS: sockjs-client sends credentials from any page and needs its origin echoed (`*` without one);
 * the Origin policy is enforced when a session is created (the upgrade, or its first receiving request).
 */
export const cors = {
  rest(ex: HttpExchange, origin: string | undefined, allowed: boolean): void {
    if (!origin || !allowed) return;
    ex.setHeader('access-control-allow-origin', origin);
    ex.setHeader('vary', 'Origin');
    ex.setHeader('access-control-expose-headers', 'x-request-id, content-disposition');
  },

  restPreflight(ex: HttpExchange): void {
    ex.setHeader('access-control-allow-methods', REST_ALLOW_METHODS);
    ex.setHeader('access-control-allow-headers', REST_ALLOW_HEADERS);
    ex.setHeader('access-control-max-age', '600');
  },

  sockJs(ex: HttpExchange): void {
    ex.setHeader('access-control-allow-origin', ex.headers['origin'] || '*');
    ex.setHeader('access-control-allow-credentials', 'true');
    ex.setHeader('vary', 'Origin');
  },

  /** SockJS's preflights are cacheable for a year (as sockjs-node and Spring answer them). */
  sockJsPreflight(ex: HttpExchange, methods: string): void {
    cors.sockJs(ex);
    ex.setHeader('cache-control', `public, max-age=${ONE_YEAR}`);
    ex.setHeader('access-control-max-age', String(ONE_YEAR));
    ex.setHeader('access-control-allow-methods', methods);
    const requested = ex.headers['access-control-request-headers'];
    if (requested) ex.setHeader('access-control-allow-headers', requested);
  },
};
