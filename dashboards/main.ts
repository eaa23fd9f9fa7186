import { bootProcess, exitOnStartupError } from '../lib/runtime/process-boot';
import { checkServices } from '../lib/runtime/service-checks';
import { startDashboards, type RunningDashboards } from './dashboard-app';

/** Dashboards process: Bull Board (basic auth) for operators. */
async function main(): Promise<void> {
  const { config, log } = bootProcess('dashboards');
  let running: RunningDashboards;
  try {
    await checkServices(config, { redis: true });
    running = await startDashboards(config, log);
  } catch (err) {
    exitOnStartupError(err, log, 'dashboards');
  }
  const stop = async (signal: string) => {
    log.info({ signal }, 'dashboards stopping');
    await running.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

void main();
