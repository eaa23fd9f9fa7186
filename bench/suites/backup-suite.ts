import { availableParallelism } from 'node:os';
import { runSealTask } from '../../lib/archive/seal-task';
import { createLogger } from '../../lib/logging/logger';
import type { BackupReport } from '../../lib/maintenance/backup-cycle';
import { buildBackupCycle } from '../../lib/runtime/backup-composition';
import { buildCoreServices } from '../../lib/runtime/core-services';
import { SealPool } from '../../workers/seal-pool';
import type { Sealer } from '../../lib/archive/sealer';
import { startBenchSystem } from '../support/bench-system';

export interface BackupSuiteResult {
  rooms: number;
  messagesPerRoom: number;
  threads: number;
  allChangedPool: BackupReport;
  allChangedSingle: BackupReport;
  onePercentChanged: BackupReport;
}

/** One backup cycle over R open rooms of 100 messages: all changed (pool vs one thread), then 1 % changed. */
export async function backupSuite(quick: boolean): Promise<BackupSuiteResult> {
  const roomsCount = quick ? 300 : 10_000;
  const perRoom = 100;
  const sys = await startBenchSystem();
  const log = createLogger({ level: 'warn', role: 'bench' });
  const core = buildCoreServices(sys.config, 'bench-backup', log);
  const pool = new SealPool();
  try {
    await core.store.ensureBucket();
    const rooms = await sys.seedRooms(roomsCount);
    const first = rooms[0]!.requestIdx;
    const last = rooms[rooms.length - 1]!.requestIdx;
    await sys.knex.raw(
      `INSERT INTO chat_message (request_idx, seq, message_id, sender_id, sender_role, content, sent_at, client_msg_id)
       SELECT c.request_idx, s, md5(c.request_idx || ':' || s), CASE WHEN s % 2 = 0 THEN c.student_id ELSE c.professor_id END,
              CASE WHEN s % 2 = 0 THEN 'STUDENT' ELSE 'PROFESSOR' END,
              'benchmark message ' || s || ' with a little more text to look like a real sentence in a chat',
              now() - (interval '1 second' * (${perRoom} - s)), 'b-' || s
       FROM "CONSULTATION_REQUEST_TBL" c, generate_series(1, ${perRoom}) s WHERE c.request_idx BETWEEN ? AND ?`,
      [first, last],
    );
    const cycle = (sealer: Sealer) => buildBackupCycle(core, sealer, log);
    const resetSnapshots = () => Promise.all(rooms.map((r) => core.redis.del(core.keys.backupSnapshotSeq(r.requestIdx))));
    // Warm-up cycle (first object writes, PostgreSQL caches, pool threads), then the two timed ones.
    await cycle({ seal: async (t) => runSealTask(t) }).run();
    await resetSnapshots();
    const allChangedSingle = await cycle({ seal: async (t) => runSealTask(t) }).run();
    await resetSnapshots();
    const allChangedPool = await cycle(pool).run();
    // 1 % of the rooms get one more message.
    const changed = rooms.filter((_, i) => i % 100 === 0).map((r) => r.requestIdx);
    await sys.knex.raw(
      `INSERT INTO chat_message (request_idx, seq, message_id, sender_id, sender_role, content, sent_at, client_msg_id)
       SELECT c.request_idx, ${perRoom + 1}, md5(c.request_idx || ':new'), c.student_id, 'STUDENT', 'a new message', now(), 'b-new'
       FROM "CONSULTATION_REQUEST_TBL" c WHERE c.request_idx = ANY(?)`,
      [changed],
    );
    const onePercentChanged = await cycle(pool).run();
    return {
      rooms: roomsCount,
      messagesPerRoom: perRoom,
      threads: Math.min(pool.threads, availableParallelism()),
      allChangedPool,
      allChangedSingle,
      onePercentChanged,
    };
  } finally {
    await pool.close();
    await core.close();
    await sys.close();
  }
}
