import type { Redis } from 'ioredis';
import type { RoomDirectory } from '../../lib/chat/room-directory';
import type { ConsultationStatus } from '../../lib/consultation/consultation-status';
import type { Logger } from '../../lib/logging/logger';
import type { RedisKeys } from '../../lib/redis/redis-keys';
import type { GatewayMetrics } from '../gateway-metrics';
import type { StompSession } from './stomp-session';

const SENT_AT = '"sentAt":"';

/**
 * Cross-process fan-out: one Redis subscriber connection per gateway, subscribed to the channel of
 * every user with a session here. Redis delivers a channel's messages in publish order, and the append
 * script publishes inside the append, so each session sees a room's events in seq order, once.
 */
export class UserChannelHub {
  private readonly sessionsByUser = new Map<string, Set<StompSession>>();
  private readonly channelPrefixLength: number;

  constructor(
    private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
    private readonly rooms: RoomDirectory,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {
    this.channelPrefixLength = keys.userChannel('').length;
    subscriber.on('message', (channel: string, payload: string) => this.dispatch(channel, payload));
  }

  async attach(session: StompSession): Promise<void> {
    const userId = session.principal!.userId;
    let set = this.sessionsByUser.get(userId);
    if (!set) {
      set = new Set();
      this.sessionsByUser.set(userId, set);
    }
    set.add(session);
    // SUBSCRIBE is idempotent; awaiting it means no event published after CONNECTED is missed.
    await this.subscriber.subscribe(this.keys.userChannel(userId));
    this.metrics.sessions.inc();
  }

  detach(session: StompSession): void {
    const userId = session.principal?.userId;
    if (userId === undefined) return;
    const set = this.sessionsByUser.get(userId);
    if (!set?.delete(session)) return;
    this.metrics.sessions.dec();
    if (set.size === 0) {
      this.sessionsByUser.delete(userId);
      this.subscriber.unsubscribe(this.keys.userChannel(userId)).catch((err: unknown) => this.log.warn({ err }, 'unsubscribe failed'));
    }
  }

  private dispatch(channel: string, payload: string): void {
    const set = this.sessionsByUser.get(channel.slice(this.channelPrefixLength));
    if (payload.startsWith('{"type":"STATUS"')) this.noteStatus(payload);
    if (!set || set.size === 0) return;
    if (payload.startsWith('{"type":"CHAT"')) this.observeLatency(payload);
    const bytes = Buffer.byteLength(payload);
    for (const s of set) s.deliver(payload, bytes);
  }

  private noteStatus(payload: string): void {
    try {
      const e = JSON.parse(payload) as { requestIdx: number; status: ConsultationStatus };
      this.rooms.noteStatus(e.requestIdx, e.status);
    } catch {
      // Not ours to judge: the event is still delivered as published.
    }
  }

  private observeLatency(payload: string): void {
    const at = payload.indexOf(SENT_AT);
    if (at < 0) return;
    const sentAt = Date.parse(payload.slice(at + SENT_AT.length, at + SENT_AT.length + 24));
    if (!Number.isNaN(sentAt)) this.metrics.observeDeliveryLatency((Date.now() - sentAt) / 1000);
  }
}
