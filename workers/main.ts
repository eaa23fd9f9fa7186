import { bootProcess, exitOnStartupError } from '../lib/runtime/process-boot';
import { checkServices } from '../lib/runtime/service-checks';
import { startWorkers, type RunningWorkers } from './worker-app';

/** Worker process: BullMQ workers and job schedulers. */
async function main(): Promise<void> {
  const { config, log } = bootProcess('workers');
  let running: RunningWorkers;
  try {
    await checkServices(config);
    running = await startWorkers(config, log);
  } catch (err) {
    exitOnStartupError(err, log, 'workers');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'workers draining');
    await running.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main();
