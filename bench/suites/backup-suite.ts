import { availableParallelism } from 'node:os';
import { runSealTask } from '../../lib/archive/seal-task';
import { createLogger } from '../../lib/logging/logger';
import type { BackupCycle, BackupReport } from '../../lib/maintenance/backup-cycle';
import { buildBackupCycle } from '../../lib/runtime/backup-composition';
import { buildCoreServices } from '../../lib/runtime/core-services';
import { SealPool } from '../../workers/seal-pool';
import type { Sealer } from '../../lib/archive/sealer';
import { startBenchSystem, type BenchSystem } from '../support/bench-system';

/** One room of `roomMessages`: its first cycle (the base), then one cycle after `newMessages` more. */
export interface BackupChangeRow {
  roomMessages: number;
  newMessages: number;
  baseBytes: number;
  baseMs: number;
  uploadedBytes: number;
  cycleMs: number;
}

export interface BackupSuiteResult {
  rooms: number;
  messagesPerRoom: number;
  threads: number;
  allChangedPool: BackupReport;
  allChangedSingle: BackupReport;
  onePercentChanged: BackupReport;
  /** A cycle's upload against room size and what changed (segments: CONTRACT §6). */
  byChange: BackupChangeRow[];
}

const CONTENT = `'benchmark message ' || s || ' with a little more text to look like a real sentence in a chat'`;

/** Messages (from, to] of a room, straight into PostgreSQL (rooms not in Redis: the cycle reads them there). */
function insertMessages(knex: BenchSystem['knex'], requestIdx: number, from: number, to: number): Promise<unknown> {
  return knex.raw(
    `INSERT INTO chat_message (request_idx, seq, message_id, sender_id, sender_role, content, sent_at, client_msg_id)
     SELECT c.request_idx, s, md5(c.request_idx || ':' || s), CASE WHEN s % 2 = 0 THEN c.student_id ELSE c.professor_id END,
            CASE WHEN s % 2 = 0 THEN 'STUDENT' ELSE 'PROFESSOR' END, ${CONTENT}, now(), 'b-' || s
     FROM "CONSULTATION_REQUEST_TBL" c, generate_series(?::int, ?::int) s WHERE c.request_idx = ?`,
    [from + 1, to, requestIdx],
  );
}

/**
 * Room size × new messages → bytes uploaded and cycle time, one fresh room per row (each row is its own
 * base, then one cycle with only that room changed). The rooms end afterwards, so later cycles skip them.
 */
async function cyclesByChange(sys: BenchSystem, cycle: () => BackupCycle, sizes: number[], news: number[]): Promise<BackupChangeRow[]> {
  const rows: BackupChangeRow[] = [];
  const rooms = await sys.seedRooms(sizes.length * news.length);
  for (const [i, size] of sizes.entries()) {
    for (const [j, added] of news.entries()) {
      const id = rooms[i * news.length + j]!.requestIdx;
      await insertMessages(sys.knex, id, 0, size);
      const base = await cycle().run();
      await insertMessages(sys.knex, id, size, size + added);
      const next = await cycle().run();
      rows.push({
        roomMessages: size,
        newMessages: added,
        baseBytes: base.uploadedBytes,
        baseMs: base.durationMs,
        uploadedBytes: next.uploadedBytes,
        cycleMs: next.durationMs,
      });
    }
  }
  const ids = rooms.map((r) => r.requestIdx);
  await sys.knex('CONSULTATION_REQUEST_TBL').whereIn('request_idx', ids).update({ status: 'COMPLETED', ended_at: new Date() });
  return rows;
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
    const byChange = await cyclesByChange(
      sys,
      () => buildBackupCycle(core, pool, log),
      quick ? [1_000, 6_000] : [1_000, 6_000, 20_000, 50_000],
      [10, 100, 1_000],
    );
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
      byChange,
    };
  } finally {
    await pool.close();
    await core.close();
    await sys.close();
  }
}
