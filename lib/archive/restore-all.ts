import type { ConsultationRepository } from '../consultation/consultation-repository';
import type { ObjectStore } from '../storage/object-store';
import { ARCHIVE_PREFIX, SNAPSHOT_PREFIX, archiveObjectKey, requestIdxOfArchive, requestIdxOfSnapshot, snapshotObjectKey } from '../storage/object-keys';
import type { ArchiveRestorer, RestoreReport, RestoreSource } from './archive-restorer';

export type RestoreOutcome = 'restored' | 'intact' | 'skipped' | 'failed';

export interface RestoreAllItem extends Partial<Omit<RestoreReport, 'requestIdx' | 'source'>> {
  requestIdx: number;
  outcome: RestoreOutcome;
  /** Why a consultation was skipped or failed. */
  reason?: string;
}

export interface RestoreAllReport {
  source: RestoreSource;
  consultations: number;
  restored: number;
  intact: number;
  skipped: number;
  failed: number;
  /** Consultations restored from objects without a restore section (seqs renumbered, see RestoreReport.legacy). */
  legacy: number;
  insertedRows: number;
  durationMs: number;
  items: RestoreAllItem[];
}

/**
 * Disaster recovery over the whole bucket: every consultation with an object of `source` is restored; one
 * whose rows are all there inserts nothing ("intact"), so a second run changes nothing. Purged
 * consultations are skipped (retention took them on purpose); one failing room is reported and the run goes on.
 */
export async function restoreAll(
  d: { restorer: ArchiveRestorer; store: ObjectStore; consultations: ConsultationRepository },
  source: RestoreSource,
  progress: (done: number, total: number) => void = () => undefined,
): Promise<RestoreAllReport> {
  const started = Date.now();
  const [prefix, idOf, keyOf] =
    source === 'archive' ? [ARCHIVE_PREFIX, requestIdxOfArchive, archiveObjectKey] : [SNAPSHOT_PREFIX, requestIdxOfSnapshot, snapshotObjectKey];
  // Temp: rooms with a base (segments without one are a cleanup's leftovers: nothing to restore onto).
  const ids: number[] = [];
  for (const o of await d.store.list(prefix)) {
    const id = idOf(o.key);
    if (id !== undefined && o.key === keyOf(id)) ids.push(id);
  }
  ids.sort((a, b) => a - b);
  const report: RestoreAllReport = {
    source,
    consultations: ids.length,
    restored: 0,
    intact: 0,
    skipped: 0,
    failed: 0,
    legacy: 0,
    insertedRows: 0,
    durationMs: 0,
    items: [],
  };
  progress(0, ids.length);
  for (const [i, requestIdx] of ids.entries()) {
    const item = await restoreOne(d, requestIdx, source);
    report[item.outcome]++;
    if (item.legacy) report.legacy++;
    report.insertedRows += item.inserted ?? 0;
    report.items.push(item);
    progress(i + 1, ids.length);
  }
  report.durationMs = Date.now() - started;
  return report;
}

async function restoreOne(
  d: { restorer: ArchiveRestorer; consultations: ConsultationRepository },
  requestIdx: number,
  source: RestoreSource,
): Promise<RestoreAllItem> {
  const c = await d.consultations.findById(requestIdx);
  if (!c) return { requestIdx, outcome: 'skipped', reason: 'no such consultation' };
  if (c.purgedAt) return { requestIdx, outcome: 'skipped', reason: 'purged under the retention policy' };
  try {
    const r = await d.restorer.restore(requestIdx, source);
    return {
      requestIdx,
      outcome: r.inserted > 0 ? 'restored' : 'intact',
      lines: r.lines,
      inserted: r.inserted,
      redisRebuilt: r.redisRebuilt,
      legacy: r.legacy,
      segments: r.segments,
      skippedSegments: r.skippedSegments,
    };
  } catch (err) {
    return { requestIdx, outcome: 'failed', reason: err instanceof Error ? err.message : String(err) };
  }
}
