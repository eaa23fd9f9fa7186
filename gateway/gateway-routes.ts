import type { ChatService } from '../lib/chat/chat-service';
import type { CoreServices } from '../lib/runtime/core-services';
import type { GatewayMetrics } from './gateway-metrics';
import { Router } from './http/router';
import { registerArchiveRoutes } from './routes/archive-routes';
import { registerChatRoutes } from './routes/chat-routes';
import { registerConsoleRoutes } from './routes/console-routes';
import { registerConsultationRoutes } from './routes/consultation-routes';
import { registerHealthRoutes } from './routes/health-routes';
import { registerMetricsRoute } from './routes/metrics-routes';
import { registerOpenApiRoute } from './routes/openapi-routes';
import { registerPushRoutes } from './routes/push-routes';
import { registerProfessorRoutes } from './routes/professor-routes';
import { registerDataOfficeRoutes } from './routes/data-office-routes';
import { ErasureRequests } from '../lib/data-office/erasure-requests';
import { LegalHolds } from '../lib/data-office/legal-holds';
import { ProfessorDirectory } from '../lib/users/professor-directory';
import type { RateLimits } from '../lib/limits/rate-limits';

/** The REST API's version in the OpenAPI document (the contract's, not the package's). */
const API_VERSION = '1.0.0';

/** Every HTTP route of the public port; the OpenAPI route comes last so its document sees all of them. */
export function buildGatewayRouter(core: CoreServices, chat: ChatService, metrics: GatewayMetrics, limits: RateLimits, isDraining: () => boolean): Router {
  const router = new Router();
  const config = core.config;
  registerHealthRoutes(router, { knex: core.knex, redis: core.redis, isDraining });
  // The public port serves /metrics in development; in production only with METRICS_TOKEN (else use
  // GATEWAY_METRICS_PORT, which should not be reachable from outside).
  if (!config.isProduction) registerMetricsRoute(router, metrics.registry);
  else if (config.metricsToken) registerMetricsRoute(router, metrics.registry, { open: false, token: config.metricsToken });
  registerConsultationRoutes(router, core.lifecycle, core.audit);
  registerChatRoutes(router, chat, core.rooms, core.audit);
  registerProfessorRoutes(router, new ProfessorDirectory(core.knex));
  registerArchiveRoutes(router, core);
  registerDataOfficeRoutes(router, {
    knex: core.knex,
    roomMessages: core.hotLog.roomMessages,
    audit: core.audit,
    erasures: new ErasureRequests({ knex: core.knex, queues: core.queues, audit: core.audit, events: core.events }),
    holds: new LegalHolds({ knex: core.knex, consultations: core.consultations, audit: core.audit }),
    limits,
  });
  registerPushRoutes(router, core.deviceTokens, core.notifications);
  registerConsoleRoutes(router);
  registerOpenApiRoute(router, API_VERSION);
  return router;
}
