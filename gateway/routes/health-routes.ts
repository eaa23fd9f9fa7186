import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import type { Router } from '../http/router';

/** /healthz: the process answers. /readyz: PostgreSQL and Redis answer within a second. */
export function registerHealthRoutes(router: Router, deps: { knex: Knex; redis: Redis; isDraining: () => boolean }): void {
  router.add('GET', '/healthz', async (ctx) => ctx.ex.sendJson(200, { status: 'ok' }));
  router.add('GET', '/readyz', async (ctx) => {
    const checks = await Promise.all([
      withTimeout(deps.knex.raw('select 1')).then(
        () => true,
        () => false,
      ),
      withTimeout(deps.redis.ping()).then(
        () => true,
        () => false,
      ),
    ]);
    const [postgres, redis] = checks;
    const ready = postgres && redis && !deps.isDraining();
    ctx.ex.sendJson(ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', postgres, redis, draining: deps.isDraining() });
  });
}

function withTimeout<T>(p: Promise<T>, ms = 1000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
