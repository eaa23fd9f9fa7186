import { timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { notFound } from '../../lib/errors/app-error';
import type { Router } from '../http/router';

/** Who may read /metrics on a port: anyone (development, the internal metrics port) or holders of a token. */
export type MetricsAccess = { open: true } | { open: false; token: string };

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** GET /metrics in the Prometheus text format; with a token, anything else gets the same 404 as an unknown path. */
export function registerMetricsRoute(router: Router, registry: Registry, access: MetricsAccess = { open: true }): void {
  router.add('GET', '/metrics', async (ctx) => {
    if (!access.open && !sameSecret(ctx.ex.headers['authorization'] ?? '', `Bearer ${access.token}`)) throw notFound('no route GET /metrics');
    ctx.ex.send(200, await registry.metrics(), registry.contentType);
  });
}
