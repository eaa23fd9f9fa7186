import { runRole } from '../lib/runtime/process-boot';
import { checkServices } from '../lib/runtime/service-checks';
import { startWorkers } from './worker-app';

/** Worker process: BullMQ workers and job schedulers. */
void runRole('workers', async (config, log) => {
  await checkServices(config, undefined, (m) => config.startupWarnings && log.warn(m));
  return startWorkers(config, log);
});
