import { persistShardOf } from '../../redis/redis-keys';
import { TurnBatch } from '../../async/turn-batch';
import type { PersistIndex } from './persist-index';

/**
 * On a Redis Cluster, writes the pending-persistence index for one event-loop turn of appends in one call
 * per shard instead of one per message (on one server the append script indexes its room itself). Every
 * caller's promise settles with its shard's write, so a RECEIPT still follows the index entry that covers it.
 */
export class PendingIndexWriter {
  private readonly shards = new Map<number, TurnBatch<[requestIdx: number, seq: number], void>>();

  constructor(private readonly persistIndex: Pick<PersistIndex, 'index'>) {}

  index(requestIdx: number, seq: number): Promise<void> {
    const shard = persistShardOf(requestIdx);
    let batch = this.shards.get(shard);
    if (!batch) {
      batch = new TurnBatch((appended) => {
        // Scores only rise: the highest seq of each room this turn.
        const rooms = new Map<number, number>();
        for (const [id, s] of appended) if ((rooms.get(id) ?? 0) < s) rooms.set(id, s);
        return this.persistIndex.index(shard, rooms);
      });
      this.shards.set(shard, batch);
    }
    return batch.add([requestIdx, seq]);
  }
}
