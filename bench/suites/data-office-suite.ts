import type { Knex } from 'knex';
import { RetentionPurge } from '../../lib/data-office/retention-purge';
import { SealedCopies } from '../../lib/data-office/sealed-copies';
import { UserErasure } from '../../lib/data-office/user-erasure';
import { exportUserData } from '../../lib/data-office/user-export';
import { createLogger } from '../../lib/logging/logger';
import { buildCoreServices, type CoreServices } from '../../lib/runtime/core-services';
import { ChatPersister } from '../../lib/chat/persistence/chat-persister';
import { forEachBounded } from '../../lib/maintenance/run-bounded';
import { archiveObjectKey } from '../../lib/storage/object-keys';
import { SealPool } from '../../workers/seal-pool';
import { startBenchSystem } from '../support/bench-system';

export interface DataOfficeRun {
  what: string;
  seconds: number;
  /** The unit counted in `rows`. */
  unit: string;
  rows: number;
  /** Peak RSS of the process doing the work (it runs the workers' code in-process), and before it started. */
  peakRssMiB: number;
  startRssMiB: number;
}

/** Samples this process's RSS every 50 ms while `work` runs. */
async function measured(what: string, unit: string, work: () => Promise<number>): Promise<DataOfficeRun> {
  global.gc?.();
  const startRss = process.memoryUsage.rss();
  let peak = startRss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const started = process.hrtime.bigint();
  try {
    const rows = await work();
    return { what, unit, rows, seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssMiB: peak / 2 ** 20, startRssMiB: startRss / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** `n` consultations between `studentId` (or bench students) and professors, each with `perRoom` messages alternating sides. */
async function seedEnded(knex: Knex, n: number, perRoom: number, options: { studentId?: string; endedDaysAgo: number }): Promise<number[]> {
  const ids: number[] = [];
  await knex('users')
    .insert([
      { id: options.studentId ?? 'bench-student', name: 'Bench Student', role: 'STUDENT' },
      { id: 'bench-prof', name: 'Bench Prof', role: 'PROFESSOR' },
    ])
    .onConflict('id')
    .ignore();
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - i) }, () => ({
      student_id: options.studentId ?? 'bench-student',
      professor_id: 'bench-prof',
      title: 'bench',
      content: 'bench',
      status: 'COMPLETED',
      started_at: knex.raw(`now() - interval '${options.endedDaysAgo + 1} days'`),
      ended_at: knex.raw(`now() - interval '${options.endedDaysAgo} days'`),
      end_reason: 'USER',
      archived_at: knex.fn.now(),
    }));
    const rows = (await knex('CONSULTATION_REQUEST_TBL').insert(batch).returning('request_idx')) as { request_idx: number }[];
    ids.push(...rows.map((r) => Number(r.request_idx)));
  }
  for (let i = 0; i < ids.length; i += 200) {
    const slice = ids.slice(i, i + 200);
    await knex.raw(
      `INSERT INTO chat_message (request_idx, seq, message_id, sender_id, sender_role, content, sent_at, client_msg_id)
       SELECT c.request_idx, s, md5(c.request_idx || ':' || s), CASE WHEN s % 2 = 0 THEN c.student_id ELSE c.professor_id END,
              CASE WHEN s % 2 = 0 THEN 'STUDENT' ELSE 'PROFESSOR' END, 'benchmark message ' || s || ' with a sentence of ordinary length', now(), 'b-' || s
       FROM "CONSULTATION_REQUEST_TBL" c, generate_series(1, ${perRoom}) s WHERE c.request_idx = ANY(?)`,
      [slice],
    );
  }
  return ids;
}

async function putArchives(core: CoreServices, ids: readonly number[]): Promise<void> {
  const body = Buffer.alloc(4096, 1);
  await forEachBounded(ids, 16, (id) => core.store.put(archiveObjectKey(id), body, { 'key-id': 'b1' }));
}

/**
 * The data office at scale: purging N expired consultations (with their messages and archive objects), erasing
 * a user with 1,000 consultations (every archive re-sealed), and exporting a user with 1,000 consultations of
 * 1,000 messages (memory must stay flat).
 */
export async function dataOfficeSuite(quick: boolean): Promise<DataOfficeRun[]> {
  const scale = quick ? { purge: 500, erase: 50, exportRooms: 50, exportPerRoom: 200 } : { purge: 10_000, erase: 1000, exportRooms: 1000, exportPerRoom: 1000 };
  const sys = await startBenchSystem({ RETENTION_DAYS: '30' });
  const log = createLogger({ level: 'warn', role: 'bench' });
  const core = buildCoreServices(sys.config, 'bench-data-office', log);
  const pool = new SealPool();
  const runs: DataOfficeRun[] = [];
  try {
    await core.store.ensureBucket();
    const expired = await seedEnded(sys.knex, scale.purge, 20, { endedDaysAgo: 40 });
    await putArchives(core, expired);
    const purge = new RetentionPurge({
      knex: core.knex,
      owners: core.dataOwners,
      store: core.store,
      chatLog: core.hotLog.chatLog,
      audit: core.audit,
      settings: core.config.retention,
      log,
    });
    runs.push(
      await measured(
        `purge ${scale.purge} expired consultations × 20 messages + archive object (runs of ${core.config.retention.batch})`,
        'consultations',
        async () => {
          let purged = 0;
          for (;;) {
            const r = await purge.run();
            purged += r.purged;
            if (!r.more) return purged;
          }
        },
      ),
    );

    const erased = await seedEnded(sys.knex, scale.erase, 20, { studentId: 'bench-erased', endedDaysAgo: 1 });
    await putArchives(core, erased);
    await sys.knex('user_erasure').insert({ user_id: 'bench-erased', requested_by: 'bench' });
    const persister = new ChatPersister({ index: core.hotLog.persistIndex, commit: core.hotLog.commit, rebuilder: core.hotLog.rebuilder });
    const copies = new SealedCopies({
      consultations: core.consultations,
      messages: core.hotLog.chatMessages,
      store: core.store,
      sealer: pool,
      keyring: core.keyring,
      timeZone: core.config.archiveTimezone,
    });
    const erasure = new UserErasure({ ...core, owners: core.dataOwners, persister, chatLog: core.hotLog.chatLog, copies, log });
    runs.push(
      await measured(`erase a user with ${scale.erase} consultations × 20 messages (every archive re-sealed)`, 'consultations', async () => {
        const r = await erasure.run('bench-erased', async () => undefined);
        return r?.consultations ?? 0;
      }),
    );

    await seedEnded(sys.knex, scale.exportRooms, scale.exportPerRoom, { studentId: 'bench-exported', endedDaysAgo: 1 });
    runs.push(
      await measured(
        `export a user with ${scale.exportRooms} consultations × ${scale.exportPerRoom} messages (NDJSON, consumed as it streams)`,
        'messages',
        async () => {
          let lines = 0;
          for await (const chunk of exportUserData({ knex: core.knex, roomMessages: core.hotLog.roomMessages }, 'bench-exported')) {
            for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
          }
          return lines - 3 - scale.exportRooms; // export, user and end lines, one per consultation
        },
      ),
    );
    return runs;
  } finally {
    await pool.close();
    await core.close();
    await sys.close();
  }
}
