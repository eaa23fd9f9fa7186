import type uWS from 'uWebSockets.js';
import type { AppError } from '../../lib/errors/app-error';
import type { Logger } from '../../lib/logging/logger';
import type { TrustedProxies } from '../../lib/network/trusted-proxies';
import { createRedis } from '../../lib/redis/redis-client';
import type { CoreServices } from '../../lib/runtime/core-services';
import type { GatewayMetrics } from '../gateway-metrics';
import type { OriginPolicy } from '../http/origin-policy';
import type { HttpObserver } from '../http/exchange-record';
import type { SessionRegistry } from '../stomp/session-registry';
import type { StompSession } from '../stomp/stomp-session';
import type { StompSessionHost } from '../stomp/stomp-session-host';
import { registerSockJsHttpTransports } from './sockjs-http-transports';
import { SockJsRelay } from './sockjs-relay';
import { SockJsSessionTable } from './sockjs-session-table';

/** The SockJS HTTP transports of one gateway: its relay (with a sharded subscriber of its own), session table and routes. */
export async function startSockJsHttp(
  app: uWS.TemplatedApp,
  core: CoreServices,
  deps: {
    host: StompSessionHost<StompSession>;
    registry: SessionRegistry;
    origins: OriginPolicy;
    trustedProxies: TrustedProxies | undefined;
    metrics: GatewayMetrics;
    observer: HttpObserver;
    log: Logger;
    isDraining(): boolean;
    admitSession(ip: string): Promise<AppError | undefined>;
  },
): Promise<{ close(): Promise<void> }> {
  const subscriber = createRedis(core.config, 'gateway-sockjs-subscriber', { shardedSubscriber: true, log: deps.log });
  const relay = new SockJsRelay({ redis: core.redis, subscriber, keys: core.keys, log: deps.log });
  const table = new SockJsSessionTable({ host: deps.host, registry: deps.registry, relay, metrics: deps.metrics, log: deps.log });
  const { origins, trustedProxies, observer, log, isDraining, admitSession } = deps;
  registerSockJsHttpTransports(app, { table, relay, origins, trustedProxies, observer, log, isDraining, admitSession });
  await table.start();
  return {
    async close() {
      table.stop();
      await subscriber.quit().catch(() => undefined);
    },
  };
}
