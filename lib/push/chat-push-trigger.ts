import type { Redis } from 'ioredis';
import type { ChatMessage } from '../../protocol/chat-message';
import type { RoomDirectory } from '../chat/room-directory';
import type { Logger } from '../logging/logger';
import type { QueueClient } from '../queues/queue-client';
import { QUEUE_NAMES } from '../queues/queue-names';
import type { RedisKeys } from '../redis/redis-keys';
import type { Presence } from './presence';

/**
 * Chat pushes for recipients with no live session, collapsed: the first message in a window arms a
 * delayed `chat-digest` job for (room, recipient); later ones only bump the count. The digest carries
 * the latest message and the count. Runs on committed messages, off the send path.
 */
export class ChatPushTrigger {
  constructor(
    private readonly d: { redis: Redis; keys: RedisKeys; rooms: RoomDirectory; presence: Presence; queues: QueueClient; windowMs: number; log: Logger },
  ) {}

  async onMessages(messages: readonly ChatMessage[]): Promise<void> {
    // Count per (room, recipient); one room lookup per room, not per message.
    const perRecipient = new Map<string, { requestIdx: number; recipientId: string; count: number }>();
    const byRoom = new Map<number, ChatMessage[]>();
    for (const m of messages) {
      const list = byRoom.get(m.requestIdx);
      if (list) list.push(m);
      else byRoom.set(m.requestIdx, [m]);
    }
    for (const [requestIdx, roomMessages] of byRoom) {
      const room = await this.d.rooms.get(requestIdx);
      for (const m of roomMessages) {
        const recipientId = m.senderId === room.studentId ? room.professorId : room.studentId;
        const key = `${requestIdx}\u0000${recipientId}`;
        const entry = perRecipient.get(key) ?? { requestIdx, recipientId, count: 0 };
        entry.count++;
        perRecipient.set(key, entry);
      }
    }
    const entries = [...perRecipient.values()];
    const online = await this.d.presence.onlineAmong([...new Set(entries.map((e) => e.recipientId))]);
    const offline = entries.filter((e) => !online.has(e.recipientId));
    if (offline.length === 0) return;
    const k = this.d.keys;
    // Each (room, recipient) has its own slot; auto-pipelining still sends these in one write per node.
    const armed = await Promise.all(
      offline.map(async (e) => {
        const r = this.d.redis;
        const [, , set] = await Promise.all([
          r.incrby(k.pushCount(e.requestIdx, e.recipientId), e.count),
          r.pexpire(k.pushCount(e.requestIdx, e.recipientId), this.d.windowMs * 10),
          r.set(k.pushCollapse(e.requestIdx, e.recipientId), '1', 'PX', this.d.windowMs, 'NX'),
        ]);
        return set === 'OK';
      }),
    );
    for (const [i, e] of offline.entries()) {
      // Only the first message of a window arms the digest; the rest are counted into it.
      if (!armed[i]) continue;
      await this.d.queues.enqueue(QUEUE_NAMES.pushNotify, 'chat-digest', { requestIdx: e.requestIdx, recipientId: e.recipientId }, { delay: this.d.windowMs });
    }
  }
}
