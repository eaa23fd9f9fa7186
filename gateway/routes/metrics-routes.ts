import type { Registry } from 'prom-client';
import type { Router } from '../http/router';

/** GET /metrics in the Prometheus text format. */
export function registerMetricsRoute(router: Router, registry: Registry): void {
  router.add('GET', '/metrics', async (ctx) => {
    ctx.ex.send(200, await registry.metrics(), registry.contentType);
  });
}
