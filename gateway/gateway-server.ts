import uWS from 'uWebSockets.js';
import type { Logger } from '../lib/logging/logger';
import { createRedis } from '../lib/redis/redis-client';
import type { CoreServices } from '../lib/runtime/core-services';
import { GatewayMetrics } from './gateway-metrics';
import { createHttpPipeline } from './http/http-pipeline';
import { OriginPolicy } from './http/origin-policy';
import { Router } from './http/router';
import { registerArchiveRoutes } from './routes/archive-routes';
import { registerChatRoutes } from './routes/chat-routes';
import { registerConsultationRoutes } from './routes/consultation-routes';
import { registerHealthRoutes } from './routes/health-routes';
import { registerMetricsRoute } from './routes/metrics-routes';
import { registerPushRoutes } from './routes/push-routes';
import { registerOpenApiRoute } from './routes/openapi-routes';
import { registerConsoleRoutes } from './routes/console-routes';

/** The REST API's version in the OpenAPI document (the contract's, not the package's). */
const API_VERSION = '1.0.0';
import { ChatDestinations } from './stomp/chat-destinations';
import { SessionRegistry } from './stomp/session-registry';
import { registerStompEndpoint } from './stomp/stomp-endpoint';
import { CLOSE } from './stomp/stomp-session';
import type { StompSessionHost } from './stomp/stomp-session-host';
import { UserChannelHub } from './stomp/user-channel-hub';
import { RateLimits } from '../lib/limits/rate-limits';

/** The shared budgets of CONTRACT §2: a rate per second with a burst, per user (REST also per IP). */
function buildRateLimits(core: CoreServices, log: Logger): RateLimits {
  const { stomp, rest, restIpPerSec } = core.config.limits;
  const budget = (b: { ratePerSec: number; burst: number }) => ({ points: b.burst, durationSec: Math.max(1, Math.round(b.burst / b.ratePerSec)) });
  return new RateLimits(core.redis, core.keys.rateLimitPrefix(), {
    rest: budget(rest),
    'rest-ip': { points: restIpPerSec, durationSec: 1 },
    'chat.read': budget(stomp),
    'chat.sync': budget(stomp),
    'chat.typing': { points: 4, durationSec: 2 },
    subscribe: budget(stomp),
  }, log);
}

export interface GatewayOptions {
  readonly core: CoreServices;
  readonly log: Logger;
  /** STOMP heart-beat the server offers and expects, ms. */
  readonly heartbeatMs?: number;
  readonly connectTimeoutMs?: number;
  /** Buffered bytes above which a session is cut off as a slow consumer. */
  readonly maxBackpressureBytes?: number;
  readonly maxQueuedFrames?: number;
  /** How long a drain waits for in-flight work before closing sessions. */
  readonly drainTimeoutMs?: number;
  /** Overrides GATEWAY_METRICS_PORT. */
  readonly metricsPort?: number;
}

export interface RunningGateway {
  readonly port: number;
  /** The per-instance metrics port, when one was asked for. */
  readonly metricsPort: number | undefined;
  /** Every HTTP route (method and pattern), as the OpenAPI test compares them with the document. */
  routes(): readonly { method: string; pattern: string }[];
  readonly metrics: GatewayMetrics;
  /** Open STOMP sessions in this process. */
  sessionCount(): number;
  /** Drain: stop accepting, finish in-flight work, close sessions with an ERROR asking clients to reconnect. */
  close(): Promise<void>;
}

/** Assembles the uWebSockets.js app (REST, STOMP, health, metrics) and listens; port 0 picks a free port. */
export async function startGateway(options: GatewayOptions, host: string, port: number): Promise<RunningGateway> {
  const { core, log } = options;
  let draining = false;
  const metrics = new GatewayMetrics(core.registry);
  const origins = new OriginPolicy(core.config.allowedOrigins, core.config.isProduction);
  const subscriber = createRedis(core.config.redisUrl, 'gateway-subscriber', { log });
  const hub = new UserChannelHub(subscriber, core.keys, core.rooms, metrics, log);
  const limits = buildRateLimits(core, log);
  const destinations = new ChatDestinations(core.chat, limits, metrics, log);
  const inFlight = new Set<Promise<unknown>>();
  const heartbeatMs = options.heartbeatMs ?? core.config.stompHeartbeatMs;
  const registry = new SessionRegistry(Math.max(50, Math.min(1000, Math.floor(heartbeatMs / 2))));
  const sessionHost: StompSessionHost = {
    verifier: core.verifier,
    users: core.users,
    log,
    metrics,
    heartbeatMs,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxBackpressureBytes: options.maxBackpressureBytes ?? 1024 * 1024,
    maxQueuedFrames: options.maxQueuedFrames ?? core.config.limits.maxQueuedFrames,
    limitSubscribe: (userId) => limits.consume('subscribe', userId),
    attach: async (s) => {
      await Promise.all([hub.attach(s), core.presence.join(s.principal!.userId, s.id)]);
    },
    detach: (s) => {
      hub.detach(s);
      core.presence.leave(s.principal!.userId, s.id).catch((err: unknown) => log.warn({ err }, 'presence leave failed'));
    },
    onSend: (s, destination, frame) => destinations.handle(s, destination, frame),
    track: (work) => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work)).catch(() => undefined);
      return work;
    },
  };

  const router = new Router();
  registerHealthRoutes(router, { knex: core.knex, redis: core.redis, isDraining: () => draining });
  // The public port serves /metrics in development; in production only with METRICS_TOKEN (else use
  // GATEWAY_METRICS_PORT, which should not be reachable from outside).
  const config = core.config;
  if (!config.isProduction) registerMetricsRoute(router, metrics.registry);
  else if (config.metricsToken) registerMetricsRoute(router, metrics.registry, { open: false, token: config.metricsToken });
  registerConsultationRoutes(router, core.lifecycle);
  registerChatRoutes(router, core.chat);
  registerArchiveRoutes(router, core);
  registerPushRoutes(router, core.deviceTokens, core.notifications);
  registerOpenApiRoute(router, API_VERSION);
  registerConsoleRoutes(router);

  const app = uWS.App();
  registerStompEndpoint(app, { host: sessionHost, registry, origins, metrics, isDraining: () => draining });
  app.any(
    '/*',
    createHttpPipeline({
      router,
      verifier: core.verifier,
      users: core.users,
      origins,
      limits,
      log,
      observer: { onResponse: (route, method, status, seconds) => metrics.http(route, method, status, seconds) },
    }),
  );

  // Presence of every live session is refreshed well before it expires; a crashed gateway's simply lapses.
  const presenceTimer = setInterval(() => {
    const live = registry.all().flatMap((s) => (s.isConnected ? [[s.principal!.userId, s.id] as const] : []));
    core.presence.refresh(live).catch((err: unknown) => log.warn({ err }, 'presence refresh failed'));
  }, Math.max(100, Math.floor(core.presence.ttlMs / 3)));
  presenceTimer.unref();

  const token = await new Promise<uWS.us_listen_socket | false>((resolve) => app.listen(host, port, resolve));
  if (!token) throw new Error(`gateway could not listen on ${host}:${port}`);
  const boundPort = uWS.us_socket_local_port(token);
  // Gateways share PORT (SO_REUSEPORT), so a scrape of PORT reaches a random one; each also gets its own port.
  let metricsToken: uWS.us_listen_socket | undefined;
  const metricsPort = options.metricsPort ?? core.config.gatewayMetricsPort;
  if (metricsPort !== undefined) {
    const metricsApp = uWS.App();
    const metricsRouter = new Router();
    registerMetricsRoute(metricsRouter, metrics.registry);
    metricsApp.any('/*', createHttpPipeline({ router: metricsRouter, verifier: core.verifier, users: core.users, origins, limits, log }));
    const t = await new Promise<uWS.us_listen_socket | false>((resolve) => metricsApp.listen(host, metricsPort, resolve));
    if (!t) throw new Error(`gateway metrics could not listen on ${host}:${metricsPort}`);
    metricsToken = t;
  }
  log.info({ port: boundPort, metricsPort: metricsToken ? uWS.us_socket_local_port(metricsToken) : undefined }, 'gateway listening');

  return {
    port: boundPort,
    metricsPort: metricsToken ? uWS.us_socket_local_port(metricsToken) : undefined,
    metrics,
    sessionCount: () => registry.size,
    routes: () => router.list(),
    async close() {
      if (draining) return;
      draining = true;
      clearInterval(presenceTimer);
      uWS.us_listen_socket_close(token);
      if (metricsToken) uWS.us_listen_socket_close(metricsToken);
      const deadline = Date.now() + (options.drainTimeoutMs ?? 10_000);
      while (inFlight.size > 0 && Date.now() < deadline) await Promise.race([Promise.allSettled([...inFlight]), delay(100)]);
      for (const s of registry.all()) s.fail('server is restarting; reconnect', CLOSE.goingAway);
      await core.activity.flush();
      await subscriber.quit().catch(() => undefined);
      log.info('gateway drained');
    },
  };
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
