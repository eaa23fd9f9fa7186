import type { Redis } from 'ioredis';
import type { RoomDirectory } from '../../lib/chat/room-directory';
import { CHAT_OPEN_STATUSES, type ConsultationStatus } from '../../lib/consultation/consultation-status';
import type { Logger } from '../../lib/logging/logger';
import type { AccessRevoked } from '../../lib/events/event-publisher';
import type { RedisKeys } from '../../lib/redis/redis-keys';
import { CLOSE } from './session-transport';
import type { GatewayMetrics } from '../gateway-metrics';
import type { StompSession } from './stomp-session';

const SENT_AT = '"sentAt":"';
const STATUS_PREFIX = '{"type":"STATUS"';

export interface EventChannelHubDeps {
  /** A connection of its own that only subscribes (sharded pub/sub). */
  readonly subscriber: Redis;
  readonly keys: RedisKeys;
  readonly rooms: RoomDirectory;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
}

/**
 * Cross-process fan-out over sharded pub/sub, one subscriber connection per gateway (per master on a
 * cluster). A gateway subscribes to the user channel of every user with a session here (READ, STATUS,
 * WARNING, TYPING) and to the room channel of each of their open rooms (CHAT, published by the append
 * script, so in seq order and once; one publish per append batch, one event per line). Rooms are learnt from PostgreSQL when a user's first session attaches
 * and from STATUS events afterwards (a room opens for chat only through a STATUS on the user channel).
 */
export class EventChannelHub {
  private readonly sessionsByUser = new Map<string, Set<StompSession>>();
  /** Users with sessions here: their channel and rooms are being set up (a promise) or are (true). */
  private readonly following = new Map<string, Promise<void> | true>();
  /** Only users with open rooms have an entry (an idle session should cost as little as possible). */
  private readonly roomsByUser = new Map<string, Set<number>>();
  private readonly usersByRoom = new Map<number, Set<string>>();

  constructor(private readonly d: EventChannelHubDeps) {
    const { subscriber } = d;
    subscriber.on('smessage', (channel: string, payload: string) => this.dispatch(channel, payload));
    // A Redis Cluster's subscriber group re-subscribes by itself after a failover or slot move, but a
    // subscriber replaced while its node was still coming up can miss that; SSUBSCRIBE is idempotent, so
    // every channel followed here is asked for again once the group reports itself ready.
    subscriber.on('subscribersReady', () => this.resubscribeAll());
  }

  /** Follows the access-revoked channel (an erasure); resolves once subscribed. */
  async followRevocations(): Promise<void> {
    await this.d.subscriber.ssubscribe(this.d.keys.accessRevoked());
  }

  private resubscribeAll(): void {
    const channels = [
      this.d.keys.accessRevoked(),
      ...[...this.following.keys()].map((u) => this.d.keys.userChannel(u)),
      ...[...this.usersByRoom.keys()].map((id) => this.d.keys.roomEvents(id)),
    ];
    for (const c of channels) this.d.subscriber.ssubscribe(c).catch((err: unknown) => this.d.log.warn({ err }, 'resubscribe failed'));
  }

  /** Resolves once every event published afterwards for this session's user reaches it. */
  async attach(session: StompSession): Promise<void> {
    const userId = session.principal!.userId;
    let set = this.sessionsByUser.get(userId);
    if (!set) {
      set = new Set();
      this.sessionsByUser.set(userId, set);
    }
    set.add(session);
    this.d.metrics.sessions.inc();
    let ready = this.following.get(userId);
    if (ready === undefined) {
      const setUp = this.follow(userId);
      this.following.set(userId, setUp);
      ready = setUp.then(
        () => void (this.following.get(userId) === setUp && this.following.set(userId, true)),
        (err: unknown) => {
          if (this.following.get(userId) === setUp) this.following.delete(userId);
          throw err;
        },
      );
    }
    if (ready !== true) await ready;
  }

  detach(session: StompSession): void {
    const userId = session.principal?.userId;
    if (userId === undefined) return;
    const set = this.sessionsByUser.get(userId);
    if (!set?.delete(session)) return;
    this.d.metrics.sessions.dec();
    if (set.size > 0) return;
    this.sessionsByUser.delete(userId);
    this.following.delete(userId);
    const channels = [this.d.keys.userChannel(userId)];
    for (const id of this.roomsByUser.get(userId) ?? []) {
      const users = this.usersByRoom.get(id)!;
      users.delete(userId);
      if (users.size === 0) {
        this.usersByRoom.delete(id);
        channels.push(this.d.keys.roomEvents(id));
      }
    }
    this.roomsByUser.delete(userId);
    this.unsubscribe(channels);
  }

  private async follow(userId: string): Promise<void> {
    // The user channel first: a room that opens while the rooms are read arrives as a STATUS on it.
    await this.d.subscriber.ssubscribe(this.d.keys.userChannel(userId));
    // The user's last session may have left while subscribing: then nothing else would unsubscribe.
    if (!this.following.has(userId)) return this.unsubscribe([this.d.keys.userChannel(userId)]);
    const open = await this.d.rooms.roomsOf(userId, CHAT_OPEN_STATUSES);
    await Promise.all(open.map((r) => this.followRoom(userId, r.requestIdx)));
  }

  private async followRoom(userId: string, requestIdx: number): Promise<void> {
    if (!this.following.has(userId)) return; // the user's last session left meanwhile
    let mine = this.roomsByUser.get(userId);
    if (!mine) {
      mine = new Set();
      this.roomsByUser.set(userId, mine);
    }
    if (mine.has(requestIdx)) return;
    mine.add(requestIdx);
    let users = this.usersByRoom.get(requestIdx);
    if (!users) {
      users = new Set();
      this.usersByRoom.set(requestIdx, users);
    }
    users.add(userId);
    // SSUBSCRIBE is idempotent (the other participant may be here too).
    if (users.size === 1) await this.d.subscriber.ssubscribe(this.d.keys.roomEvents(requestIdx));
  }

  private unsubscribe(channels: string[]): void {
    // One SUNSUBSCRIBE per channel: on a cluster each may live on another node.
    for (const c of channels) this.d.subscriber.sunsubscribe(c).catch((err: unknown) => this.d.log.warn({ err }, 'sunsubscribe failed'));
  }

  private dispatch(channel: string, payload: string): void {
    if (channel === this.d.keys.accessRevoked()) return this.revoke(payload);
    const parsed = this.d.keys.parseChannel(channel);
    if (!parsed) return;
    if (parsed.kind === 'room') {
      const users = this.usersByRoom.get(parsed.requestIdx);
      if (!users) return;
      // One publish carries an append batch: its CHAT events in seq order, one per line.
      for (let from = 0; from < payload.length;) {
        const end = payload.indexOf('\n', from);
        const event = end < 0 ? payload.slice(from) : payload.slice(from, end);
        from = end < 0 ? payload.length : end + 1;
        this.observeLatency(event);
        const bytes = Buffer.byteLength(event);
        for (const u of users) for (const s of this.sessionsByUser.get(u) ?? []) s.deliver(event, bytes);
      }
      return;
    }
    const userId = parsed.userId;
    if (payload.startsWith(STATUS_PREFIX)) this.noteStatus(userId, payload);
    const set = this.sessionsByUser.get(userId);
    if (!set || set.size === 0) return;
    const bytes = Buffer.byteLength(payload);
    for (const s of set) s.deliver(payload, bytes);
  }

  /** An erasure: the user's rooms leave the cache, and (once accepted) their sessions here end with an ERROR. */
  private revoke(payload: string): void {
    let revoked: AccessRevoked;
    try {
      revoked = JSON.parse(payload) as AccessRevoked;
    } catch {
      return;
    }
    this.d.rooms.forgetParticipant(revoked.userId);
    if (!revoked.endSessions) return;
    for (const s of [...(this.sessionsByUser.get(revoked.userId) ?? [])]) s.fail('FORBIDDEN: this account is being erased', CLOSE.policy);
  }

  /** A STATUS updates the room cache, and a room opening for chat is followed from now on. */
  private noteStatus(userId: string, payload: string): void {
    let e: { requestIdx: number; status: ConsultationStatus };
    try {
      e = JSON.parse(payload) as typeof e;
    } catch {
      return; // Not ours to judge: the event is still delivered as published.
    }
    this.d.rooms.noteStatus(e.requestIdx, e.status);
    if (!CHAT_OPEN_STATUSES.includes(e.status) || !this.following.has(userId)) return;
    this.followRoom(userId, e.requestIdx).catch((err: unknown) => this.d.log.warn({ err, requestIdx: e.requestIdx }, 'room subscription failed'));
  }

  private observeLatency(payload: string): void {
    const at = payload.indexOf(SENT_AT);
    if (at < 0) return;
    const sentAt = Date.parse(payload.slice(at + SENT_AT.length, at + SENT_AT.length + 24));
    if (!Number.isNaN(sentAt)) this.d.metrics.observeDeliveryLatency((Date.now() - sentAt) / 1000);
  }
}
