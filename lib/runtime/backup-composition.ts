import type { Sealer } from '../archive/sealer';
import { ConsultationScans } from '../consultation/consultation-scans';
import type { Logger } from '../logging/logger';
import { BackupCycle } from '../maintenance/backup-cycle';
import type { CoreServices } from './core-services';

/** The backup cycle over a process's core services (the worker and the benchmark build it the same way). */
export function buildBackupCycle(core: CoreServices, sealer: Sealer, log: Logger, uploadConcurrency = 8): BackupCycle {
  return new BackupCycle({
    scans: new ConsultationScans(core.knex),
    consultations: core.consultations,
    roomMessages: core.hotLog.roomMessages,
    messages: core.hotLog.chatMessages,
    chatLog: core.hotLog.chatLog,
    redis: core.redis,
    keys: core.keys,
    store: core.store,
    sealer,
    keyring: core.keyring,
    timeZone: core.config.archiveTimezone,
    log,
    uploadConcurrency,
  });
}
