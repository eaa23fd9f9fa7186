import { readSealedObject } from '../lib/archive/archive-reader';
import { buildArchiveRestorer } from '../lib/runtime/core-services';
import { runSealTask } from '../lib/archive/seal-task';
import type { SealTask } from '../lib/archive/sealer';
import { listSegments } from '../lib/archive/snapshot-chain';
import type { ChatMessage } from '../protocol/chat-message';
import { ConsultationScans } from '../lib/consultation/consultation-scans';
import { createLogger } from '../lib/logging/logger';
import { CleanupCycle } from '../lib/maintenance/cleanup-cycle';
import { buildBackupCycle } from '../lib/runtime/backup-composition';
import { snapshotObjectKey } from '../lib/storage/object-keys';
import { consultationIn } from './support/consultation-in-state';
import { startTestSystem, type TestSystem } from './support/test-system';

let sys: TestSystem;
const tasks: SealTask[] = [];
beforeAll(async () => {
  sys = await startTestSystem({ BACKUP_INTERVAL_MS: '3600000' }, {}, { s3: true });
  await sys.core.users.upsert({ id: 'p1', name: 'Lee', role: 'PROFESSOR' });
}, 30_000);
afterAll(() => sys.close());

const cycle = () =>
  buildBackupCycle(
    sys.core,
    {
      seal: async (t) => {
        tasks.push(t);
        return runSealTask(t);
      },
    },
    createLogger({ level: 'silent', role: 'test' }),
  );

/** Rows straight into PostgreSQL (a room that is not in Redis: the cycle reads it from there). */
async function addMessages(id: number, from: number, n: number): Promise<void> {
  const rows: ChatMessage[] = Array.from({ length: n }, (_, i) => ({
    requestIdx: id,
    seq: from + i,
    messageId: `m-${id}-${from + i}`,
    senderId: (from + i) % 2 ? 's1' : 'p1',
    senderRole: (from + i) % 2 ? 'STUDENT' : 'PROFESSOR',
    content: `message ${from + i}: ${'words of a typical chat line '.repeat(3)}`,
    sentAt: new Date(Date.UTC(2026, 11, 1, 0, 0, 0, from + i)).toISOString(),
    clientMsgId: `c-${from + i}`,
  }));
  for (let i = 0; i < rows.length; i += 1000) await sys.core.hotLog.chatMessages.insertMany(rows.slice(i, i + 1000));
}

describe('backup segments', () => {
  it('five cycles of ten new messages in a 3,000-message room upload under 5 % of the room; restore applies them', async () => {
    const id = await consultationIn(sys, 'IN_PROGRESS');
    await addMessages(id, 1, 3000);
    const first = await cycle().run();
    expect(first.uploaded).toBe(1);
    const base = first.uploadedBytes;
    expect(base).toBeGreaterThan(3000 * 100);

    let after = 0;
    const perCycle: number[] = [];
    for (let c = 0; c < 5; c++) {
      await addMessages(id, 3001 + c * 10, 10);
      tasks.length = 0;
      const r = await cycle().run();
      expect(r.uploaded).toBe(1);
      // Only the new messages went to the seal thread, and only they were uploaded.
      expect(tasks.map((t) => [t.kind, t.messages.length])).toEqual([['segment', 10]]);
      perCycle.push(r.uploadedBytes);
      after += r.uploadedBytes;
    }
    // Stated ratio: the five cycles together upload less than 5 % of the room's sealed size.
    expect(after / base).toBeLessThan(0.05);
    expect(Math.max(...perCycle)).toBeLessThan(base / 100);
    expect((await listSegments(sys.core.store, id)).map((s) => s.after)).toEqual([3000, 3010, 3020, 3030, 3040]);

    // The base is untouched by the cycles; restore from temp gives back all 3,050.
    const baseText = (await readSealedObject(sys.core.store, sys.core.keyring, snapshotObjectKey(id), { kind: 'snapshot', requestIdx: id }))!.toString();
    expect(baseText).toContain('message 3000:');
    expect(baseText).not.toContain('message 3001:');
    await sys.db.knex('chat_message').where({ request_idx: id }).del();
    const restorer = buildArchiveRestorer(sys.core);
    expect(await restorer.restore(id, 'temp')).toMatchObject({ lines: 3050, inserted: 3050, segments: 5, skippedSegments: 0 });
  }, 120_000);

  it('segments are folded into a new base once they weigh half of it; the old links are removed', async () => {
    const id = await consultationIn(sys, 'IN_PROGRESS');
    await addMessages(id, 1, 40);
    await cycle().run();
    const chainOf = async () => JSON.parse((await sys.core.redis.get(sys.core.keys.backupSnapshotSeq(id)))!) as { chain: string; segments: number };
    const firstChain = (await chainOf()).chain;
    let seq = 41;
    for (let c = 0; c < 30 && (await chainOf()).chain === firstChain; c++) {
      await addMessages(id, seq, 5);
      seq += 5;
      await cycle().run();
    }
    const folded = await chainOf();
    expect(folded.chain).not.toBe(firstChain);
    expect(folded.segments).toBe(0);
    expect(await listSegments(sys.core.store, id)).toEqual([]);
  }, 60_000);

  it('cleanup and the archive remove the base with its segments', async () => {
    const id = await consultationIn(sys, 'IN_PROGRESS');
    await addMessages(id, 1, 30);
    await cycle().run();
    await addMessages(id, 31, 2);
    await cycle().run();
    expect(await listSegments(sys.core.store, id)).toHaveLength(1);
    await sys.db.knex('CONSULTATION_REQUEST_TBL').where({ request_idx: id }).update({ status: 'COMPLETED', ended_at: new Date(), archived_at: new Date() });
    const cleanup = new CleanupCycle({
      scans: new ConsultationScans(sys.core.knex),
      chatLog: sys.core.hotLog.chatLog,
      persister: { persistRoom: async () => undefined } as never,
      archives: { enqueue: async () => undefined } as never,
      redis: sys.core.redis,
      keys: sys.core.keys,
      store: sys.core.store,
      tempRetentionMs: 3_600_000,
      log: createLogger({ level: 'silent', role: 'test' }),
    });
    await cleanup.run();
    expect(await sys.core.store.exists(snapshotObjectKey(id))).toBe(false);
    expect(await listSegments(sys.core.store, id)).toEqual([]);
  }, 60_000);
});
