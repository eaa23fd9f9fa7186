import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys';

/** What goes on a user channel: a JSON event of a room (its types live with their domains: chat/room-events.ts). */
export interface UserEvent {
  readonly type: string;
  readonly requestIdx: number;
}

/** The payload of the access-revoked channel. */
export interface AccessRevoked {
  readonly userId: string;
  readonly endSessions: boolean;
}

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

  async toUsers(userIds: readonly string[], event: UserEvent): Promise<void> {
    const payload = JSON.stringify(event);
    await Promise.all([...new Set(userIds)].map((id) => this.redis.spublish(this.keys.userChannel(id), payload)));
  }

  /**
   * Tells every gateway to drop what it cached about a user's rooms (an erasure moves them to a pseudonym)
   * and, when `endSessions`, to end that user's STOMP sessions there (an erasure accepted).
   */
  async accessRevoked(revoked: AccessRevoked): Promise<void> {
    await this.redis.spublish(this.keys.accessRevoked(), JSON.stringify(revoked));
  }

  /** A status change: the parties' event first, then the domain event (for consumers beyond the chat). */
  async lifecycle(parties: readonly [string, string], status: UserEvent, domainEvent: object): Promise<void> {
    const payload = JSON.stringify(status);
    // Issued in this order on one connection per node, so a user's STATUS events keep their order.
    await Promise.all([
      ...parties.map((id) => this.redis.spublish(this.keys.userChannel(id), payload)),
      this.redis.spublish(this.keys.consultationEvents(), JSON.stringify(domainEvent)),
    ]);
  }
}
