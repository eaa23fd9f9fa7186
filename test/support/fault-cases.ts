import { eventually } from './eventually';
import { ChatTraffic, printRoleLogs, startFaultSystem, verifyRoom, type FaultSystem } from './fault-harness';
import { TestStompClient } from './stomp-test-client';

/**
 * The fault suite (issue 11, docs/durability.md), run once per receipt mode. With `postgres` receipts
 * nothing receipted may be lost, whatever the fault; with `redis` receipts a Redis that loses data may take
 * uncommitted messages with it, but no seq is ever reused and every loss is counted.
 */
export function defineFaultCases(mode: 'redis' | 'postgres'): void {
  let fs: FaultSystem;
  beforeAll(async () => {
    fs = await startFaultSystem({ CHAT_RECEIPT_AFTER: mode });
  }, 60_000);
  afterAll(async () => {
    printRoleLogs(fs);
    await fs?.close();
  }, 30_000);

  const traffic = async (id: number, tag: string) =>
    new ChatTraffic(await TestStompClient.connect(fs.gatewayPort, fs.sys.token('s1', 'STUDENT')), id, tag).start();
  const finish = async (t: ChatTraffic) => {
    await t.stop();
    await t.client.close();
  };
  /** Output lines of the role processes that are not JSON (knex, BullMQ or ioredis printing on their own). */
  const rawLines = () => [...fs.gateway.logs, ...fs.worker.logs].filter((l) => l['raw'] !== undefined);
  const counted = async () => (await fs.counter('oh_persist_lost_messages_total')) + (await fs.counter('oh_chat_seqs_abandoned_total'));
  /** Waits until PostgreSQL holds every message receipted so far (the worker caught up; traffic goes on). */
  const caughtUp = (id: number, t: ChatTraffic) => {
    const seqs = [...t.receipted.values()];
    return eventually(
      async () => {
        const rows = await fs.sys.db.knex('chat_message').where({ request_idx: id }).whereIn('seq', seqs).count<{ n: string }[]>('* as n');
        return Number(rows[0]!.n) === seqs.length;
      },
      30_000,
      'persistence caught up',
    );
  };

  it(`loses each key kind of a room under traffic (list, meta, dedupe): rebuilt by seq, dedupe kept (${mode} receipts)`, async () => {
    const id = await fs.openRoom('key loss');
    const t = await traffic(id, 'keys');
    const k = fs.sys.core.keys;
    await t.receiptsMore(60);
    const rebuildsBefore = await fs.counter('oh_hot_log_rebuilds_total');
    for (const key of [k.chatRoom(id), k.chatMeta(id), k.chatDedupe(id)]) {
      await fs.redis.client.del(key);
      await t.receiptsMore(60);
    }
    // A retry of an old clientMsgId after the dedupe hash is lost is answered with its original seq.
    await fs.redis.client.del(k.chatDedupe(id));
    const [firstId, firstSeq] = [...t.receipted].find(([, seq]) => seq === Math.min(...t.receipted.values()))!;
    expect(await t.client.send(id, ChatTraffic.content(firstId), firstId)).toMatchObject({ seq: String(firstSeq), duplicate: 'true' });
    await t.receiptsMore(30);
    await finish(t);
    expect(await fs.counter('oh_hot_log_rebuilds_total')).toBeGreaterThanOrEqual(rebuildsBefore + 3);
    await verifyRoom(fs, id, t.receipted, mode === 'redis' ? counted : undefined);
  }, 120_000);

  it(`continues past PostgreSQL when a room's keys come back older (${mode} receipts)`, async () => {
    const id = await fs.openRoom('older state');
    const t = await traffic(id, 'old');
    const k = fs.sys.core.keys;
    await t.receiptsMore(60);
    const keys = [k.chatRoom(id), k.chatMeta(id), k.chatDedupe(id)];
    const dumps = await Promise.all(keys.map((key) => fs.redis.client.dumpBuffer(key)));
    await t.receiptsMore(200);
    await caughtUp(id, t);
    // PostgreSQL is now ahead of the old copy; messages receipted after the catch-up and still
    // uncommitted are overwritten with the list (redis receipts: counted as lost, never reused).
    for (let i = 0; i < keys.length; i++) await fs.redis.client.restore(keys[i]!, 0, dumps[i]!, 'REPLACE');
    await t.receiptsMore(100);
    await finish(t);
    await verifyRoom(fs, id, t.receipted, mode === 'redis' ? counted : undefined);
  }, 120_000);

  it(`survives Redis SHUTDOWN NOSAVE and a restart under traffic (${mode} receipts)`, async () => {
    const ids = [await fs.openRoom('restart a'), await fs.openRoom('restart b')];
    const flows = await Promise.all(ids.map((id, i) => traffic(id, `restart${i}`)));
    await Promise.all(flows.map((t) => t.receiptsMore(150)));
    await fs.redis.shutdownNoSave();
    const cyclesBefore = fs.worker.logs.length;
    await fs.redis.start();
    // The empty Redis lost the job schedulers: the worker re-adds them on reconnect, so the cycles run again
    // within seconds (not at the next 60 s reschedule; the backup interval here is the default 5 min).
    const cycleRan = (cycle: string) =>
      fs.worker.waitForLog((l) => l['msg'] === 'cycle done' && l['cycle'] === cycle && fs.worker.logs.indexOf(l) >= cyclesBefore, 15_000);
    await Promise.all([cycleRan('backup-cycle'), cycleRan('auto-close-scan')]);
    await Promise.all(flows.map((t) => t.receiptsMore(150, 60_000)));
    await Promise.all(flows.map(finish));
    let missing = 0;
    for (let i = 0; i < ids.length; i++) missing += await verifyRoom(fs, ids[i]!, flows[i]!.receipted, mode === 'redis' ? counted : undefined);
    if (mode === 'postgres') expect(missing).toBe(0);
    // Only JSON on the roles' output through the loss: the libraries' connection errors go through the logger.
    expect(rawLines()).toEqual([]);
  }, 180_000);

  it(`survives the whole Redis coming back from an older snapshot under traffic (${mode} receipts)`, async () => {
    const id = await fs.openRoom('older snapshot');
    const t = await traffic(id, 'snap');
    await t.receiptsMore(100);
    await fs.redis.client.call('SAVE');
    await t.receiptsMore(200);
    await caughtUp(id, t);
    // The server restarts from the older dump: every room, mark and epoch key as they were at SAVE.
    await fs.redis.shutdownNoSave();
    await fs.redis.start();
    await t.receiptsMore(100, 60_000);
    await finish(t);
    await verifyRoom(fs, id, t.receipted, mode === 'redis' ? counted : undefined);
  }, 180_000);

  it(`takes over a SIGKILLed worker's shards within seconds of a replacement, then loses nothing with the hot logs (${mode} receipts)`, async () => {
    // Consecutive ids: one room in each persistence shard.
    const ids = [await fs.openRoom('worker kill a'), await fs.openRoom('worker kill b')];
    const flows = await Promise.all(ids.map((id, i) => traffic(id, `wkill${i}`)));
    await Promise.all(flows.map((t) => t.receiptsMore(100)));
    await fs.killWorker();
    await Promise.all(flows.map((t) => t.receiptsMore(300)));
    await fs.startWorker();
    const upAt = Date.now();
    await Promise.all(flows.map((t) => t.receiptsMore(100)));
    await Promise.all(flows.map(finish));
    await Promise.all(ids.map((id, i) => caughtUp(id, flows[i]!)));
    const tookMs = Date.now() - upAt;
    if (process.env['FAULT_SUMMARY'])
      process.stdout.write(`worker kill (${mode}): every receipted message committed ${tookMs} ms after the replacement was up\n`);
    expect(tookMs).toBeLessThan(5_000);
    // Every receipted message is in PostgreSQL: losing the rooms' Redis keys now loses nothing.
    const k = fs.sys.core.keys;
    for (const id of ids) await fs.redis.client.del(k.chatRoom(id), k.chatMeta(id), k.chatDedupe(id), k.persistMarks(id));
    for (let i = 0; i < ids.length; i++) expect(await verifyRoom(fs, ids[i]!, flows[i]!.receipted)).toBe(0);
  }, 120_000);

  it(`delays or refuses sends while PostgreSQL is unreachable, and loses nothing (${mode} receipts)`, async () => {
    const id = await fs.openRoom('postgres outage');
    const t = await traffic(id, 'pgdown');
    await t.receiptsMore(60);
    fs.pgProxy.cut();
    try {
      await eventually(async () => t.refused >= 5, 60_000, 'sends refused while PostgreSQL is down');
    } finally {
      fs.pgProxy.heal();
    }
    await t.receiptsMore(60, 60_000);
    await finish(t);
    await verifyRoom(fs, id, t.receipted);
    expect(rawLines()).toEqual([]);
  }, 180_000);
}
