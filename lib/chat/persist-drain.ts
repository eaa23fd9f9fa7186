import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { ChatPersister } from './chat-persister';
import type { PersistIndex } from './persist-index';

export interface PersistDrainDeps {
  persister: ChatPersister;
  index: PersistIndex;
  /** A connection of the drain's own: BLPOP must not hold up other commands. */
  openBlocking(): Redis;
  /** Commit window: consecutive rounds of a shard start at least this far apart, so a round covers what arrived meanwhile. */
  windowMs: number;
  /** A wait for a wake token looks at the index again after this long (only a lost token needs it). */
  idleCheckSec: number;
}

/** Commit window by default: rows per statement grow with the rate, RECEIPT→PostgreSQL stays well under 250 ms. */
export const PERSIST_WINDOW_MS = 100;

/**
 * Drains shards of the pending index for as long as the process runs: a round whenever the index lists
 * rooms (one window apart while traffic flows, back to back while a round is full), and between bursts a
 * blocking wait on the shard's wake list, so an idle shard costs nothing. The BullMQ job that runs a drain
 * holds the shard; a dead worker's job is taken over once its lock expires (see worker-app.ts).
 */
export class PersistDrains {
  private stopping = false;
  private readonly blocking = new Set<Redis>();

  constructor(private readonly d: PersistDrainDeps) {}

  /** Runs one shard's drain until stop(); a failed round rejects (the job is retried with backoff). */
  async run(shard: number): Promise<void> {
    const conn = this.d.openBlocking();
    this.blocking.add(conn);
    try {
      while (!this.stopping) {
        const started = Date.now();
        // Tokens are taken before the index is read: a room indexed after this read leaves a new one.
        await this.d.index.takeWakes(shard);
        const round = await this.d.persister.persistRound(shard);
        if (round.rooms === 0) {
          if (await this.waitForWake(conn, shard)) await sleep(this.d.windowMs);
        } else if (!round.full) {
          await sleep(Math.max(0, started + this.d.windowMs - Date.now()));
        }
      }
    } finally {
      this.blocking.delete(conn);
      conn.disconnect();
    }
  }

  /** Ends every drain after its current round (and wakes the ones that are waiting). */
  stop(): void {
    this.stopping = true;
    for (const conn of this.blocking) conn.disconnect();
  }

  private async waitForWake(conn: Redis, shard: number): Promise<boolean> {
    try {
      return await this.d.index.waitForWake(conn, shard, this.d.idleCheckSec);
    } catch (err) {
      if (this.stopping) return false; // stop() closed the connection under the wait
      throw err;
    }
  }
}
