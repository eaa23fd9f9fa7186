import { runRole } from '../lib/runtime/process-boot';
import { checkServices } from '../lib/runtime/service-checks';
import { startDashboards } from './dashboard-app';

/** Dashboards process: Bull Board (basic auth) for operators. */
void runRole('dashboards', async (config, log) => {
  await checkServices(config, { redis: true }, (m) => config.startupWarnings && log.warn(m));
  return startDashboards(config, log);
});
