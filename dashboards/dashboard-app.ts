import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express from 'express';
import { Registry } from 'prom-client';
import type { AppConfig } from '../lib/config/config';
import type { Logger } from '../lib/logging/logger';
import { QueueClient } from '../lib/queues/queue-client';
import { ALL_QUEUES } from '../lib/queues/queue-names';
import { createRedis } from '../lib/redis/redis-client';
import { basicAuth } from './basic-auth';
import { collectProcessMetrics } from '../lib/runtime/process-metrics';

export const BOARD_PATH = '/admin/queues';

export interface RunningDashboards {
  readonly port: number;
  close(): Promise<void>;
}

/** Bull Board over every queue at /admin/queues behind basic auth, plus /healthz and /metrics. */
export async function startDashboards(config: AppConfig, log: Logger, port = config.dashboardPort): Promise<RunningDashboards> {
  const redis = createRedis(config, 'dashboards', { log });
  const queues = new QueueClient(redis, config.redisPrefix, log);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: ALL_QUEUES.map((name) => new BullMQAdapter(queues.queue(name))),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Office Hours' } },
  });
  const registry = new Registry();
  collectProcessMetrics(registry, 'oh_dashboards_');

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/metrics', (_req, res) => {
    void registry.metrics().then((text) => res.type(registry.contentType).send(text));
  });
  app.use(BOARD_PATH, basicAuth(config.dashboard.user, config.dashboard.password), serverAdapter.getRouter());

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const bound = (server.address() as AddressInfo).port;
  log.info({ port: bound, path: BOARD_PATH, queues: ALL_QUEUES }, 'dashboards listening');
  return {
    port: bound,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await queues.close();
      await redis.quit().catch(() => undefined);
    },
  };
}
