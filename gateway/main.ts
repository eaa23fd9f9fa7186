import { buildCoreServices } from '../lib/runtime/core-services';
import { runRole } from '../lib/runtime/process-boot';
import { checkServices } from '../lib/runtime/service-checks';
import { startGateway } from './gateway-server';

/** Gateway process: REST + STOMP over uWebSockets.js. */
void runRole('gateway', async (config, log) => {
  await checkServices(config, undefined, (m) => config.startupWarnings && log.warn(m));
  const core = buildCoreServices(config, 'gateway', log);
  const gateway = await startGateway({ core, log }, config.host, config.port);
  return {
    async close() {
      await gateway.close();
      await core.close();
    },
  };
});
