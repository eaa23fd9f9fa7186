import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { ChatPersister } from './chat-persister';
import type { PersistIndex } from './persist-index';

export interface PersistDrainDeps {
  persister: ChatPersister;
  index: Pick<PersistIndex, 'drainGroupOf' | 'takeWakes' | 'waitForWake'>;
  /** A connection of the drain's own: BLPOP must not hold up other commands. */
  openBlocking(): Redis;
  /**
   * Commit window: consecutive rounds of a drain start at least this far apart while traffic flows, so a
   * round covers what arrived meanwhile. The first round after an idle wait starts at once.
   */
  windowMs: number;
  /** A wait for a wake token looks at the index again after this long (only a lost token needs it). */
  idleCheckSec: number;
}

/** Commit window by default: rows per statement grow with the rate, RECEIPT→PostgreSQL stays well under 250 ms. */
export const PERSIST_WINDOW_MS = 100;

/** One loop of rounds and the connection it blocks on between bursts. */
interface DrainLoop {
  readonly group: string;
  conn: Redis;
  /** Set when the connection was closed on purpose (to make the loop look at its shards again). */
  interrupted: boolean;
  /**
   * Ends the current wait. Closing the connection is not enough: an ioredis Cluster closed while it
   * connects leaves its status at "close", and a BLPOP sent then waits in its offline queue for ever.
   */
  endWait(): void;
}

/** A shard held by this process: its BullMQ job waits in run() until its loop lets it go. */
interface HeldShard {
  readonly loop: DrainLoop;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Drains shards of the pending index for as long as the process runs: a round whenever the index lists
 * rooms (at once after an idle wait, then one window apart while traffic flows, back to back while a round
 * is full), and between bursts a blocking wait on the shards' wake lists, so an idle shard costs nothing.
 * Shards of one drain group (PersistIndex.drainGroupOf) share a loop: on one Redis server every shard this
 * process holds, so one round, one INSERT and one commit per window whatever the shard count; on a Redis
 * Cluster each shard alone (its index and wake list live in its own slot).
 * The BullMQ job that runs a shard's drain holds the shard; a dead worker's job is taken over once its lock
 * expires (see worker-app.ts), and a shard whose job lost its lock is let go after the current round
 * (`release`), so a shard has one drain.
 */
export class PersistDrains {
  private stopping = false;
  private readonly held = new Map<number, HeldShard>();
  /** Shards let go (a lost lock, a newer job, a stop): settled by their loop between rounds. */
  private readonly leaving = new Set<HeldShard>();
  /** The running loop of each drain group (PersistIndex.drainGroupOf). */
  private readonly loops = new Map<string, DrainLoop>();

  constructor(private readonly d: PersistDrainDeps) {}

  /** Drains a shard until it is released or stop(); a failed round rejects (the job is retried with backoff). */
  run(shard: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const previous = this.held.get(shard);
      if (previous) this.letGo(shard, previous); // a drain of this shard still here lost its job: this one replaces it
      const group = this.d.index.drainGroupOf(shard);
      const running = this.loops.get(group);
      const loop = running ?? this.newLoop(group);
      this.held.set(shard, { loop, resolve, reject });
      if (running)
        this.interrupt(loop); // it waits on the wake lists of the shards it had
      else void this.drive(loop);
    });
  }

  /** Lets one shard go after its loop's current round (its job lost its lock: another worker may hold it now). */
  release(shard: number): void {
    const held = this.held.get(shard);
    if (held) this.letGo(shard, held);
  }

  /** Ends every drain after its current round (and wakes the ones that are waiting). */
  stop(): void {
    this.stopping = true;
    for (const [shard, held] of this.held) this.letGo(shard, held);
  }

  private newLoop(group: string): DrainLoop {
    const loop = { group, conn: this.d.openBlocking(), interrupted: false, endWait: () => undefined };
    this.loops.set(group, loop);
    return loop;
  }

  private letGo(shard: number, held: HeldShard): void {
    this.held.delete(shard);
    this.leaving.add(held);
    this.interrupt(held.loop);
  }

  private interrupt(loop: DrainLoop): void {
    loop.interrupted = true;
    loop.conn.disconnect();
    loop.endWait();
  }

  private shardsOf(loop: DrainLoop): number[] {
    const shards: number[] = [];
    for (const [shard, held] of this.held) if (held.loop === loop) shards.push(shard);
    return shards;
  }

  private async drive(loop: DrainLoop): Promise<void> {
    let failure: unknown;
    try {
      for (;;) {
        this.settleLeaving(loop);
        const shards = this.shardsOf(loop);
        if (shards.length === 0 || this.stopping) break;
        const started = Date.now();
        // Tokens are taken before the index is read: a room indexed after this read leaves a new one.
        await this.d.index.takeWakes(shards);
        const round = await this.d.persister.persistRound(shards);
        if (round.rooms === 0) await this.waitForWake(loop, shards);
        else if (!round.full) await sleep(Math.max(0, started + this.d.windowMs - Date.now()));
      }
    } catch (err) {
      failure = err;
    } finally {
      loop.conn.disconnect();
      if (this.loops.get(loop.group) === loop) this.loops.delete(loop.group);
      for (const shard of this.shardsOf(loop)) {
        const held = this.held.get(shard)!;
        this.held.delete(shard);
        if (failure === undefined) held.resolve();
        else held.reject(failure);
      }
      this.settleLeaving(loop);
    }
  }

  private settleLeaving(loop: DrainLoop): void {
    for (const held of this.leaving) {
      if (held.loop !== loop) continue;
      this.leaving.delete(held);
      held.resolve();
    }
  }

  private async waitForWake(loop: DrainLoop, shards: readonly number[]): Promise<void> {
    // Interrupted during the round: its connection is closed, so no wait on it.
    if (!loop.interrupted) {
      const waiting = this.d.index.waitForWake(loop.conn, shards, this.d.idleCheckSec);
      waiting.catch(() => undefined); // an ended wait settles, if ever, on its closed connection
      try {
        await Promise.race([waiting, new Promise<void>((resolve) => (loop.endWait = resolve))]);
      } catch (err) {
        if (!loop.interrupted) throw err;
      } finally {
        loop.endWait = () => undefined;
      }
    }
    if (!loop.interrupted) return;
    // Closed on purpose: the loop's shards changed, or it is stopping.
    loop.interrupted = false;
    if (!this.stopping && this.shardsOf(loop).length > 0) loop.conn = this.d.openBlocking();
  }
}
