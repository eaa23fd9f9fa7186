import { bootProcess, exitOnStartupError } from '../lib/runtime/process-boot';
import { buildCoreServices } from '../lib/runtime/core-services';
import { checkServices } from '../lib/runtime/service-checks';
import { startGateway } from './gateway-server';

/** Gateway process: REST + STOMP over uWebSockets.js. */
async function main(): Promise<void> {
  const { config, log } = bootProcess('gateway');
  let core;
  let gateway;
  try {
    await checkServices(config);
    core = buildCoreServices(config, 'gateway', log);
    gateway = await startGateway({ core, log }, config.host, config.port);
  } catch (err) {
    exitOnStartupError(err, log, 'gateway');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'gateway draining');
    await gateway.close();
    await core.close();
    log.info('gateway stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main();
