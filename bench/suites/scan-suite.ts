import { ConsultationScans } from '../../lib/consultation/consultation-scans';
import { createLogger } from '../../lib/logging/logger';
import { AutoCloseScan } from '../../lib/maintenance/auto-close-scan';
import { buildCoreServices } from '../../lib/runtime/core-services';
import { startBenchSystem } from '../support/bench-system';

export interface ScanSuiteResult {
  consultations: number;
  idle: number;
  indexedScanMs: number;
  naiveScanMs: number;
  closeRunMs: number;
  closed: number;
}

/**
 * The auto-close scan over N open consultations: the index-backed scan with nothing to close, next to a
 * naive scan (load every open row, filter in the process); then a run that closes 1 % (idle ones).
 */
export async function scanSuite(quick: boolean): Promise<ScanSuiteResult> {
  const n = quick ? 10_000 : 100_000;
  const sys = await startBenchSystem({ AUTO_CLOSE_INACTIVE_MS: '3600000', AUTO_CLOSE_MAX_DURATION_MS: '86400000' });
  const log = createLogger({ level: 'warn', role: 'bench' });
  const core = buildCoreServices(sys.config, 'bench-scan', log);
  try {
    await sys.knex.raw(`INSERT INTO users (id, name, role) VALUES ('scan-s', 'S', 'STUDENT'), ('scan-p', 'P', 'PROFESSOR')`);
    await sys.knex.raw(
      `INSERT INTO "CONSULTATION_REQUEST_TBL" (student_id, professor_id, title, content, status, started_at, last_activity_at)
       SELECT 'scan-s', 'scan-p', 'scan', 'scan', 'IN_PROGRESS', now() - interval '1 hour', now() FROM generate_series(1, ?)`,
      [n],
    );
    await sys.knex.raw('ANALYZE "CONSULTATION_REQUEST_TBL"');
    const scan = new AutoCloseScan({
      scans: new ConsultationScans(core.knex),
      consultations: core.consultations,
      lifecycle: core.lifecycle,
      events: core.events,
      chatLog: core.hotLog.chatLog,
      settings: sys.config.autoClose,
      log,
    });
    let t = performance.now();
    await scan.run();
    const indexedScanMs = performance.now() - t;
    t = performance.now();
    const cutoff = Date.now() - sys.config.autoClose.inactiveMs;
    const rows = await sys.knex('CONSULTATION_REQUEST_TBL').where('status', 'IN_PROGRESS').select('request_idx', 'last_activity_at', 'started_at');
    rows.filter((r) => new Date(r.last_activity_at).getTime() < cutoff);
    const naiveScanMs = performance.now() - t;

    const idle = Math.floor(n / 100);
    await sys.knex.raw(
      `UPDATE "CONSULTATION_REQUEST_TBL" SET last_activity_at = now() - interval '3 hours'
       WHERE request_idx IN (SELECT request_idx FROM "CONSULTATION_REQUEST_TBL" ORDER BY request_idx LIMIT ?)`,
      [idle],
    );
    t = performance.now();
    const report = await scan.run();
    const closeRunMs = performance.now() - t;
    return { consultations: n, idle, indexedScanMs, naiveScanMs, closeRunMs, closed: report.closedInactive };
  } finally {
    await core.close();
    await sys.close();
  }
}
