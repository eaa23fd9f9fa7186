import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { ChatPersister } from './chat-persister';
import type { PersistIndex } from './persist-index';

export interface PersistDrainDeps {
  persister: ChatPersister;
  index: PersistIndex;
  /** A connection of the drain's own: BLPOP must not hold up other commands. */
  openBlocking(): Redis;
  /**
   * Commit window: consecutive rounds of a shard start at least this far apart while traffic flows, so a
   * round covers what arrived meanwhile. The first round after an idle wait starts at once.
   */
  windowMs: number;
  /** A wait for a wake token looks at the index again after this long (only a lost token needs it). */
  idleCheckSec: number;
}

/** Commit window by default: rows per statement grow with the rate, RECEIPT→PostgreSQL stays well under 250 ms. */
export const PERSIST_WINDOW_MS = 100;

/**
 * Drains shards of the pending index for as long as the process runs: a round whenever the index lists
 * rooms (at once after an idle wait, then one window apart while traffic flows, back to back while a round
 * is full), and between bursts a blocking wait on the shard's wake list, so an idle shard costs nothing.
 * The BullMQ job that runs a drain holds the shard; a dead worker's job is taken over once its lock expires
 * (see worker-app.ts), and a drain whose job lost its lock stops (`release`), so a shard has one drain.
 */
export class PersistDrains {
  private stopping = false;
  private readonly blocking = new Map<number, Redis>();

  constructor(private readonly d: PersistDrainDeps) {}

  /** Runs one shard's drain until stop(); a failed round rejects (the job is retried with backoff). */
  async run(shard: number): Promise<void> {
    const conn = this.d.openBlocking();
    this.blocking.get(shard)?.disconnect(); // a drain of this shard still here lost its job: this one replaces it
    this.blocking.set(shard, conn);
    const running = () => !this.stopping && this.blocking.get(shard) === conn;
    try {
      while (running()) {
        const started = Date.now();
        // Tokens are taken before the index is read: a room indexed after this read leaves a new one.
        await this.d.index.takeWakes(shard);
        const round = await this.d.persister.persistRound(shard);
        if (round.rooms === 0) await this.waitForWake(conn, shard, running);
        else if (!round.full) {
          await sleep(Math.max(0, started + this.d.windowMs - Date.now()));
        }
      }
    } finally {
      if (this.blocking.get(shard) === conn) this.blocking.delete(shard);
      conn.disconnect();
    }
  }

  /** Ends one shard's drain after its current round (its job lost its lock: another worker may hold it now). */
  release(shard: number): void {
    const conn = this.blocking.get(shard);
    this.blocking.delete(shard);
    conn?.disconnect();
  }

  /** Ends every drain after its current round (and wakes the ones that are waiting). */
  stop(): void {
    this.stopping = true;
    for (const conn of this.blocking.values()) conn.disconnect();
  }

  private async waitForWake(conn: Redis, shard: number, running: () => boolean): Promise<void> {
    try {
      await this.d.index.waitForWake(conn, shard, this.d.idleCheckSec);
    } catch (err) {
      if (running()) throw err; // else stop() or release() closed the connection under the wait
    }
  }
}
