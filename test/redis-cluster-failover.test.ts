import calculateSlot from 'cluster-key-slot';
import { eventually } from './support/eventually';
import { ChatTraffic, printRoleLogs, startRoleSystem, verifyRoom, type RoleSystem } from './support/fault-harness';
import { startOwnCluster, type OwnCluster } from './support/own-cluster';
import { TestStompClient } from './support/stomp-test-client';

/**
 * Redis Cluster failover under traffic (issue 14): a gateway and a worker process on a cluster of the
 * test's own, senders in several rooms, then SIGKILL of the master holding one room's slot; its replica is
 * promoted. Clients may see errors or delays, never a wrong RECEIPT: with `postgres` receipts nothing
 * receipted is lost; with `redis` receipts what the replica had not received yet may be lost, but no seq is
 * reused and every loss is counted. Live delivery resumes on the promoted node (sharded subscriptions move).
 */
/** A cluster of the describe block's own and a gateway + worker on it, torn down after its tests. */
function systemOnOwnCluster(receipts: 'postgres' | 'redis'): { cluster: OwnCluster; fs: RoleSystem } {
  const ctx = {} as { cluster: OwnCluster; fs: RoleSystem };
  beforeAll(async () => {
    ctx.cluster = await startOwnCluster();
    ctx.fs = await startRoleSystem({ CHAT_RECEIPT_AFTER: receipts, REDIS_CLUSTER_NODES: ctx.cluster.seeds });
  }, 60_000);
  afterAll(async () => {
    printRoleLogs(ctx.fs);
    await ctx.fs?.close();
    await ctx.cluster?.close();
  }, 30_000);
  return ctx;
}

describe.each(['postgres', 'redis'] as const)('Redis Cluster failover with %s receipts', (mode) => {
  const ctx = systemOnOwnCluster(mode);

  it('kills the master of a room under traffic: no wrong receipt, live delivery resumes', async () => {
    const { cluster, fs } = ctx;
    const rooms = await Promise.all(Array.from({ length: 6 }, (_, i) => fs.openRoom(`failover ${i}`)));
    const victim = rooms[0]!;
    const professor = await TestStompClient.connect(fs.gatewayPort, fs.sys.token('p1', 'PROFESSOR'));
    const senders = await Promise.all(
      rooms.map(async (id) => new ChatTraffic(await TestStompClient.connect(fs.gatewayPort, fs.sys.token('s1', 'STUDENT')), id, `f${id}`).start()),
    );
    await Promise.all(senders.map((t) => t.receiptsMore(40)));

    const failover = await cluster.killMasterOf(calculateSlot(fs.sys.core.keys.chatRoom(victim)));
    expect(failover.promotedPort).not.toBe(failover.killedPort);
    // Every room, the victim's included, takes messages again after the promotion.
    await Promise.all(senders.map((t) => t.receiptsMore(40, 60_000)));
    const after = Math.max(...senders[0]!.receipted.values());
    await eventually(
      async () => professor.chat(victim).some((e) => e.seq! > after),
      20_000,
      `live CHAT from the promoted node (professor session closed: ${professor.closed})`,
    );
    for (const t of senders) {
      await t.stop();
      await t.client.close();
    }
    await professor.close();

    const counted = async () => (await fs.counter('oh_persist_lost_messages_total')) + (await fs.counter('oh_chat_seqs_abandoned_total'));
    let receipted = 0;
    let missing = 0;
    for (const t of senders) {
      receipted += t.receipted.size;
      missing += await verifyRoom(fs, t.requestIdx, t.receipted, mode === 'redis' ? counted : undefined);
    }
    if (mode === 'postgres') expect(missing).toBe(0);
    if (process.env['FAULT_SUMMARY'])
      process.stdout.write(
        `cluster failover (${mode} receipts): ${rooms.length} rooms, ${receipted} receipted, ${missing} missing, master ${failover.killedPort} → ${failover.promotedPort}\n`,
      );
  }, 120_000);
});

/** A slot moving to another master under traffic (resharding): appends follow MOVED/ASK, subscriptions move. */
describe('Redis Cluster slot migration', () => {
  const ctx = systemOnOwnCluster('postgres');

  it("moves a room's slot under traffic: nothing receipted is lost, live delivery follows the slot", async () => {
    const { cluster, fs } = ctx;
    const id = await fs.openRoom('migration');
    const professor = await TestStompClient.connect(fs.gatewayPort, fs.sys.token('p1', 'PROFESSOR'));
    const sender = new ChatTraffic(await TestStompClient.connect(fs.gatewayPort, fs.sys.token('s1', 'STUDENT')), id, `mv${id}`).start();
    await sender.receiptsMore(40);
    const moved = await cluster.moveSlot(calculateSlot(fs.sys.core.keys.chatRoom(id)));
    expect(moved.to).not.toBe(moved.from);
    await sender.receiptsMore(40, 60_000);
    const after = Math.max(...sender.receipted.values());
    await eventually(
      async () => professor.chat(id).some((e) => e.seq! > after),
      20_000,
      `live CHAT after the move (professor session closed: ${professor.closed})`,
    );
    await sender.stop();
    await sender.client.close();
    await professor.close();
    expect(await verifyRoom(fs, id, sender.receipted)).toBe(0);
  }, 120_000);
});
