import uWS from 'uWebSockets.js';
import type { Logger } from '../lib/logging/logger';
import type { CoreServices } from '../lib/runtime/core-services';
import { createHttpPipeline, type HttpObserver } from './http/http-pipeline';
import { OriginPolicy } from './http/origin-policy';
import { Router } from './http/router';
import { registerConsultationRoutes } from './routes/consultation-routes';
import { registerHealthRoutes } from './routes/health-routes';

export interface GatewayOptions {
  readonly core: CoreServices;
  readonly log: Logger;
  readonly observer?: HttpObserver;
}

export interface RunningGateway {
  readonly port: number;
  /** Stops accepting, then closes every connection. */
  close(): Promise<void>;
}

/** Assembles the uWebSockets.js app (REST + health) and listens; port 0 picks a free port (tests). */
export async function startGateway(options: GatewayOptions, host: string, port: number): Promise<RunningGateway> {
  const { core, log } = options;
  let draining = false;
  const router = new Router();
  registerHealthRoutes(router, { knex: core.knex, redis: core.redis, isDraining: () => draining });
  registerConsultationRoutes(router, core.lifecycle);

  const app = uWS.App();
  app.any(
    '/*',
    createHttpPipeline({
      router,
      verifier: core.verifier,
      users: core.users,
      origins: new OriginPolicy(core.config.allowedOrigins, core.config.isProduction),
      log,
      observer: options.observer,
    }),
  );

  const token = await new Promise<uWS.us_listen_socket | false>((resolve) => app.listen(host, port, resolve));
  if (!token) throw new Error(`gateway could not listen on ${host}:${port}`);
  const boundPort = uWS.us_socket_local_port(token);
  log.info({ port: boundPort }, 'gateway listening');

  return {
    port: boundPort,
    async close() {
      draining = true;
      uWS.us_listen_socket_close(token);
    },
  };
}
