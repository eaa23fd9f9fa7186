import uWS from 'uWebSockets.js';
import type { RateLimits } from '../lib/limits/rate-limits';
import type { Logger } from '../lib/logging/logger';
import { createRedis } from '../lib/redis/redis-client';
import { buildChatSending } from '../lib/runtime/chat-sending';
import type { CoreServices } from '../lib/runtime/core-services';
import { GatewayMetrics } from './gateway-metrics';
import { buildGatewayRouter } from './gateway-routes';
import { createHttpPipeline } from './http/http-pipeline';
import { OriginPolicy } from './http/origin-policy';
import { Router } from './http/router';
import { buildRateLimits, newSessionRefusal } from './rate-limit-budgets';
import { registerMetricsRoute } from './routes/metrics-routes';
import { ChatDestinations } from './stomp/chat-destinations';
import { SessionRegistry } from './stomp/session-registry';
import { registerStompEndpoint } from './stomp/stomp-endpoint';
import { registerSockJsInfoRoutes } from './sockjs/sockjs-info-routes';
import type { HttpObserver } from './http/exchange-record';
import { startSockJsHttp } from './sockjs/sockjs-http-server';
import { CLOSE } from './stomp/session-transport';
import type { StompSessionHost } from './stomp/stomp-session-host';
import type { StompSession } from './stomp/stomp-session';
import { EventChannelHub } from './stomp/event-channel-hub';
import { FrameFlusher } from './stomp/frame-flusher';

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

/** What the STOMP sessions of this process share: identity, limits, channels, presence, destinations. */
function buildSessionHost(
  options: GatewayOptions,
  parts: { metrics: GatewayMetrics; hub: EventChannelHub; limits: RateLimits; destinations: ChatDestinations; inFlight: Set<Promise<unknown>> },
): StompSessionHost<StompSession> {
  const { core, log } = options;
  const { metrics, hub, limits, destinations, inFlight } = parts;
  const flusher = new FrameFlusher();
  return {
    verifier: core.verifier,
    log,
    metrics,
    heartbeatMs: options.heartbeatMs ?? core.config.stompHeartbeatMs,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    tokenGraceMs: core.config.stompTokenGraceMs,
    maxBackpressureBytes: options.maxBackpressureBytes ?? 1024 * 1024,
    maxQueuedFrames: options.maxQueuedFrames ?? core.config.limits.maxQueuedFrames,
    maxMessageChars: core.config.chat.maxMessageChars,
    limitSubscribe: (userId) => limits.consume('subscribe', userId),
    attach: async (s) => {
      await core.erasureFence.assertNotUnderErasure(s.principal!.userId);
      await core.users.upsertFromPrincipal(s.principal!);
      await Promise.all([hub.attach(s), core.presence.join(s.principal!.userId, s.id)]);
    },
    detach: (s) => {
      hub.detach(s);
      core.presence.leave(s.principal!.userId, s.id).catch((err: unknown) => log.warn({ err }, 'presence leave failed'));
    },
    onSend: (s, destination, frame) => destinations.handle(s, destination, frame),
    flushSoon: (s) => flusher.soon(s),
    track: (work) => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work)).catch(() => undefined);
      return work;
    },
  };
}

const listen = async (app: uWS.TemplatedApp, host: string, port: number, what: string): Promise<uWS.us_listen_socket> => {
  const token = await new Promise<uWS.us_listen_socket | false>((resolve) => app.listen(host, port, resolve));
  if (!token) throw new Error(`${what} could not listen on ${host}:${port}`);
  return token;
};

/** Gateways share PORT (SO_REUSEPORT), so a scrape of PORT reaches a random one; each may also get its own port. */
async function listenMetrics(
  options: GatewayOptions,
  host: string,
  metrics: GatewayMetrics,
  pipeline: Omit<Parameters<typeof createHttpPipeline>[0], 'router'>,
): Promise<uWS.us_listen_socket | undefined> {
  const port = options.metricsPort ?? options.core.config.gatewayMetricsPort;
  if (port === undefined) return undefined;
  const router = new Router();
  registerMetricsRoute(router, metrics.registry);
  const app = uWS.App();
  app.any('/*', createHttpPipeline({ ...pipeline, router }));
  return listen(app, host, port, 'gateway metrics');
}

/** Assembles the uWebSockets.js app (REST, STOMP, health, metrics) and listens; port 0 picks a free port. */
export async function startGateway(options: GatewayOptions, host: string, port: number): Promise<RunningGateway> {
  const { core, log } = options;
  let draining = false;
  const metrics = new GatewayMetrics(core.registry);
  const sending = buildChatSending(core, log);
  const origins = new OriginPolicy(core.config.allowedOrigins, core.config.isProduction);
  const subscriber = createRedis(core.config, 'gateway-subscriber', { shardedSubscriber: true, log });
  const hub = new EventChannelHub({ subscriber, keys: core.keys, rooms: core.rooms, metrics, log });
  await hub.followRevocations();
  const limits = buildRateLimits(core, log);
  const destinations = new ChatDestinations(sending.chat, limits, metrics, log, { verifier: core.verifier, users: core.users });
  const inFlight = new Set<Promise<unknown>>();
  const sessionHost = buildSessionHost(options, { metrics, hub, limits, destinations, inFlight });
  const registry = new SessionRegistry(Math.max(50, Math.min(1000, Math.floor(sessionHost.heartbeatMs / 2))));
  const router = buildGatewayRouter(core, sending.chat, metrics, limits, () => draining);
  const trustedProxies = core.config.trustedProxies;
  const pipeline = { verifier: core.verifier, users: core.users, erasureFence: core.erasureFence, origins, trustedProxies, limits, log };
  const app = uWS.App();
  // The STOMP endpoint and the SockJS transports admit sessions by the same rules.
  const endpoint = {
    host: sessionHost,
    registry,
    origins,
    trustedProxies,
    metrics,
    log,
    isDraining: () => draining,
    admitSession: (ip: string) => newSessionRefusal(limits, metrics, ip),
  };
  const observer: HttpObserver = { onResponse: (route, method, status, seconds) => metrics.http(route, method, status, seconds) };
  registerStompEndpoint(app, endpoint);
  registerSockJsInfoRoutes(app, { trustedProxies, observer, log });
  const sockJs = await startSockJsHttp(app, core, { ...endpoint, observer });
  app.any('/*', createHttpPipeline({ ...pipeline, router, observer }));
  const presenceTimer = startPresenceRefresh(registry, core, log);
  const token = await listen(app, host, port, 'gateway');
  const metricsToken = await listenMetrics(options, host, metrics, pipeline);
  const boundPort = uWS.us_socket_local_port(token);
  const metricsPort = metricsToken ? uWS.us_socket_local_port(metricsToken) : undefined;
  log.info({ port: boundPort, metricsPort }, 'gateway listening');

  return {
    port: boundPort,
    metricsPort,
    metrics,
    sessionCount: () => registry.size,
    routes: () => router.list(),
    async close() {
      if (draining) return;
      draining = true;
      clearInterval(presenceTimer);
      uWS.us_listen_socket_close(token);
      if (metricsToken) uWS.us_listen_socket_close(metricsToken);
      await drainSessions({ inFlight, registry, sending, sockJs, subscriber }, options.drainTimeoutMs ?? 10_000);
      log.info('gateway drained');
    },
  };
}

/** Lets in-flight work finish (up to the timeout), then closes every session and the clients behind them. */
async function drainSessions(
  g: {
    inFlight: Set<Promise<unknown>>;
    registry: SessionRegistry;
    sending: { close(): Promise<void> };
    sockJs: { close(): Promise<void> };
    subscriber: { quit(): Promise<unknown> };
  },
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (g.inFlight.size > 0 && Date.now() < deadline) await Promise.race([Promise.allSettled([...g.inFlight]), delay(100)]);
  for (const s of g.registry.all()) s.fail('server is restarting; reconnect', CLOSE.goingAway);
  await g.sending.close();
  await g.sockJs.close();
  await g.subscriber.quit().catch(() => undefined);
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Presence of every live session is refreshed well before it expires; a crashed gateway's simply lapses. */
function startPresenceRefresh(registry: SessionRegistry, core: CoreServices, log: Logger): NodeJS.Timeout {
  const timer = setInterval(
    () => {
      const live = registry.all().flatMap((s) => (s.isConnected ? [[s.principal!.userId, s.id] as const] : []));
      core.presence.refresh(live).catch((err: unknown) => log.warn({ err }, 'presence refresh failed'));
    },
    Math.max(100, Math.floor(core.presence.ttlMs / 3)),
  );
  timer.unref();
  return timer;
}
