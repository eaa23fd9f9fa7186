import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys';
import type { ConsultationLifecycleEvent, RoomEvent } from './room-event';

/**
 * Publishes events over Redis pub/sub. Room events go to each recipient's user channel, which every
 * gateway holding a session of that user subscribes to; lifecycle events also go to one domain channel.
 */
export class EventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async toUsers(userIds: readonly string[], event: RoomEvent): Promise<void> {
    const payload = JSON.stringify(event);
    const pipeline = this.redis.pipeline();
    for (const id of new Set(userIds)) pipeline.publish(this.keys.userChannel(id), payload);
    await pipeline.exec();
  }

  async lifecycle(event: ConsultationLifecycleEvent): Promise<void> {
    const pipeline = this.redis.pipeline();
    const status: RoomEvent = {
      type: 'STATUS',
      requestIdx: event.requestIdx,
      status: event.status,
      ...(event.endReason ? { endReason: event.endReason } : {}),
    };
    const payload = JSON.stringify(status);
    pipeline.publish(this.keys.userChannel(event.studentId), payload);
    pipeline.publish(this.keys.userChannel(event.professorId), payload);
    pipeline.publish(this.keys.consultationEvents(), JSON.stringify(event));
    await pipeline.exec();
  }
}
