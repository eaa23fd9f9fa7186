import { WaitingError } from 'bullmq';
import type { PersistDrains } from '../../lib/chat/persistence/persist-drain';
import type { PersistIndex } from '../../lib/chat/persistence/persist-index';
import type { PersistShards } from '../../lib/queues/persist-shards';
import type { QueueHandlers } from '../job-runner';

/**
 * chat-persist: `persist-shard` is a shard's drain, one long-lived job per shard; on shutdown it hands the
 * shard back (to wait, no attempt spent) for the next worker. The sweep makes sure every shard has its drain
 * job and wakes shards with pending rooms; the reindex (a Redis Cluster's only) lists rooms a crashed
 * gateway appended to but never indexed.
 */
export function chatPersistHandlers(deps: { drains: PersistDrains; index: PersistIndex; shards: PersistShards }): QueueHandlers<'chat-persist'> {
  const { drains, index, shards } = deps;
  return {
    'persist-shard': async ({ shard }, job, token) => {
      await drains.run(shard);
      // Stopped (shutdown) or released (the job lost its lock): hand it back if it is still ours.
      if (token) await job.moveToWait(token).catch(() => undefined);
      throw new WaitingError();
    },
    'persist-sweep': async () => {
      await shards.ensureDrains();
      const pending = await index.pendingShards();
      await Promise.all(pending.map((s) => index.wake(s)));
      return { pending };
    },
    'persist-reindex': async () => ({ reindexed: await index.reindex() }),
  };
}
