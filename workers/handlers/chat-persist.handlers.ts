import type { ChatPersister } from '../../lib/chat/chat-persister';
import type { PersistWakeups } from '../../lib/queues/persist-wakeups';
import type { QueueHandlers } from '../job-runner';

/**
 * chat-persist: commit a shard's pending rooms; the sweep re-indexes rooms a crashed producer appended to but
 * never indexed, and re-wakes shards it never woke.
 */
export function chatPersistHandlers(persister: ChatPersister, wakeups: PersistWakeups): QueueHandlers<'chat-persist'> {
  return {
    'persist-shard': async ({ shard }) => ({ written: await persister.persistShard(shard) }),
    'persist-sweep': async () => {
      const shards = await persister.pendingShards();
      await Promise.all(shards.map((s) => wakeups.wake(s)));
      return { shards };
    },
    'persist-reindex': async () => {
      const reindexed = await persister.reindexPending();
      if (reindexed > 0) await Promise.all((await persister.pendingShards()).map((s) => wakeups.wake(s)));
      return { reindexed };
    },
  };
}
