import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys';
import type { ConsultationLifecycleEvent, RoomEvent } from './room-event';

/**
 * Publishes events over sharded Redis pub/sub (SPUBLISH: on a cluster only the node holding the channel's
 * slot relays it). Events other than CHAT go to each recipient's user channel, which every gateway holding a
 * session of that user subscribes to; lifecycle events also go to one domain channel. CHAT events are
 * published by the append script itself, on the room's channel (chat/lua/chat-append.lua).
 */
export class EventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async toUsers(userIds: readonly string[], event: RoomEvent): Promise<void> {
    const payload = JSON.stringify(event);
    await Promise.all([...new Set(userIds)].map((id) => this.redis.spublish(this.keys.userChannel(id), payload)));
  }

  async lifecycle(event: ConsultationLifecycleEvent): Promise<void> {
    const status: RoomEvent = {
      type: 'STATUS',
      requestIdx: event.requestIdx,
      status: event.status,
      ...(event.endReason ? { endReason: event.endReason } : {}),
    };
    const payload = JSON.stringify(status);
    // Issued in this order on one connection per node, so a user's STATUS events keep their order.
    await Promise.all([
      this.redis.spublish(this.keys.userChannel(event.studentId), payload),
      this.redis.spublish(this.keys.userChannel(event.professorId), payload),
      this.redis.spublish(this.keys.consultationEvents(), JSON.stringify(event)),
    ]);
  }
}
