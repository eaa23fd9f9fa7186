import type { Redis } from 'ioredis';
import type { ChatPersister } from '../lib/chat/persistence/chat-persister';
import { PersistDrains } from '../lib/chat/persistence/persist-drain';
import { startTestSystem, type TestSystem } from './support/test-system';

/**
 * The drains' pacing and ownership, against real wake lists: on one Redis server every shard a worker holds
 * shares one loop (one round, one commit per window); on a cluster each shard has its own. A released shard
 * is let go after the loop's round, a failed round fails the jobs of its shards, stop() ends them all.
 */
describe('persist drains', () => {
  let sys: TestSystem;
  const connections: Redis[] = [];
  beforeAll(async () => {
    sys = await startTestSystem();
  }, 30_000);
  afterAll(async () => {
    connections.forEach((c) => c.disconnect());
    await sys.close();
  });

  /** A persister that records each round's shards; the test decides what a round finds. */
  function recordingDrains(): { drains: PersistDrains; rounds: number[][]; nextRound: (shards: number[]) => Promise<void>; fail: (err: Error) => void } {
    const rounds: number[][] = [];
    const waiting: { want: string; resolve: () => void }[] = [];
    let failure: Error | undefined;
    const persister = {
      persistRound: async (shards: readonly number[]) => {
        rounds.push([...shards].sort());
        const seen = JSON.stringify([...shards].sort());
        for (const w of waiting.filter((x) => x.want === seen)) w.resolve();
        if (failure) throw failure;
        return { rooms: 0, written: 0, full: false };
      },
    } as unknown as ChatPersister;
    const drains = new PersistDrains({
      persister,
      index: sys.core.hotLog.persistIndex,
      openBlocking: () => {
        const c = sys.core.redis.duplicate();
        connections.push(c);
        return c;
      },
      windowMs: 10,
      idleCheckSec: 30,
    });
    const nextRound = (shards: number[]) => new Promise<void>((resolve) => waiting.push({ want: JSON.stringify([...shards].sort()), resolve }));
    return { drains, rounds, nextRound, fail: (err) => (failure = err) };
  }
  const wake = (shard: number) => sys.core.hotLog.persistIndex.wake(shard);

  it('drains the shards it holds: one loop for all on one server, one each on a cluster; a wake starts a round', async () => {
    const { drains, rounds, nextRound } = recordingDrains();
    const oneServer = !sys.core.redis.isCluster;
    const first = drains.run(0);
    const second = drains.run(1);
    await (oneServer ? nextRound([0, 1]) : Promise.all([nextRound([0]), nextRound([1])]));
    // Idle now: blocked on the wake lists. A token on shard 1 starts a round covering it.
    const woken = oneServer ? nextRound([0, 1]) : nextRound([1]);
    await wake(1);
    await woken;
    // One server: the first round may come before the second shard joined; every later one covers both.
    if (oneServer) expect(rounds.slice(rounds.findIndex((r) => r.length === 2)).every((r) => r.length === 2)).toBe(true);
    else expect(rounds.every((r) => r.length === 1)).toBe(true);

    // A released shard is let go; the other goes on and still wakes.
    drains.release(0);
    await first;
    const after = nextRound([1]);
    await wake(1);
    await after;
    drains.stop();
    await second;
  });

  it('a failed round fails the jobs of its shards (BullMQ retries them)', async () => {
    const { drains, fail } = recordingDrains();
    fail(new Error('PostgreSQL is down'));
    await expect(drains.run(0)).rejects.toThrow('PostgreSQL is down');
    drains.stop();
  });

  it('stop() ends a drain even when closing its connection never settles the wait (as a Cluster closed while connecting does)', async () => {
    // The blocking connection an ioredis Cluster gives when closed in its "connect" state: a BLPOP sent to it
    // neither answers nor fails. Stop during the wait, and stop during a round (no wait may start after it).
    let blpops = 0;
    let onWait = () => undefined as void;
    const stuck = {
      blpop: () => {
        blpops += 1;
        onWait();
        return new Promise(() => undefined);
      },
      disconnect: () => undefined,
    } as unknown as Redis;
    let roundGate: (() => void) | undefined;
    let onRound = () => undefined as void;
    const persister = {
      persistRound: async () => {
        onRound();
        if (roundGate) await new Promise<void>((resolve) => (roundGate = resolve));
        return { rooms: 0, written: 0, full: false };
      },
    } as unknown as ChatPersister;
    const make = () => new PersistDrains({ persister, index: sys.core.hotLog.persistIndex, openBlocking: () => stuck, windowMs: 10, idleCheckSec: 30 });

    const waitingDrains = make();
    const inWait = new Promise<void>((resolve) => (onWait = resolve));
    const waiting = waitingDrains.run(0);
    await inWait;
    waitingDrains.stop();
    await waiting;

    const roundDrains = make();
    roundGate = () => undefined;
    const inRound = new Promise<void>((resolve) => (onRound = resolve));
    const running = roundDrains.run(0);
    await inRound;
    roundDrains.stop();
    roundGate!();
    await running;
    expect(blpops).toBe(1);
  });

  it('a second job for a shard still held replaces the first, which ends', async () => {
    const { drains, nextRound } = recordingDrains();
    const first = drains.run(0);
    await nextRound([0]);
    const second = drains.run(0);
    await first;
    const woken = nextRound([0]);
    await wake(0);
    await woken;
    drains.stop();
    await second;
  });
});
