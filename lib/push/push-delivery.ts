import type { Redis } from 'ioredis';
import { type ChatMessage, decodeChatMessage } from '../../protocol/chat-message';
import type { ChatMessageRepository } from '../chat/persistence/chat-message-repository';
import type { NotifyJob } from '../queues/job-payloads';
import type { RedisKeys } from '../redis/redis-keys';
import type { ChatLog } from '../chat/hot-log/chat-log';
import type { DeviceTokenRepository } from './device-token-repository';
import type { NewNotification, NotificationLog, NotificationStatus } from './notification-log';
import type { Presence } from './presence';
import { PUSH_KINDS, type PushScheduler } from './push-scheduler';
import type { PushSender } from './push-sender';

export interface PushDeliveryDeps {
  /** undefined when FCM_CREDENTIALS is unset: every push is logged SKIPPED. */
  sender: PushSender | undefined;
  tokens: DeviceTokenRepository;
  log: NotificationLog;
  presence: Presence;
  scheduler: PushScheduler;
  messages: ChatMessageRepository;
  redis: Redis;
  keys: RedisKeys;
  chatLog: Pick<ChatLog, 'latest'>;
  includeContent: boolean;
  /** Told of every per-token outcome (metrics). */
  onOutcome(status: NotificationStatus): void;
}

/** The job a delivery runs in: which attempt this is, and where its log rows are remembered across retries. */
export interface DeliveryAttempt {
  readonly isFinal: boolean;
  saveNotificationIds(ids: number[]): Promise<void>;
}

/**
 * Push delivery: `notify` writes one log row per user and token, then delivers; transient failures keep
 * their rows RETRYING and throw so the job is retried (backoff with jitter) for those rows only; dead
 * tokens are deleted and never retried. `digest` turns a collapsed burst of chat messages into one push.
 */
export class PushDelivery {
  constructor(private readonly d: PushDeliveryDeps) {}

  async notify(job: NotifyJob, attempt: DeliveryAttempt): Promise<object> {
    const d = this.d;
    const ids = job.notificationIds ?? (await this.logRows(job, attempt));
    if (!d.sender) return { skipped: ids.length };
    const pending = await d.log.deliverable(ids);
    if (pending.length === 0) return { delivered: 0 };
    const outcomes = await d.sender.send(
      pending.map((p) => p.token),
      job.data,
    );
    const dead: string[] = [];
    let retry = 0;
    for (const [i, o] of outcomes.entries()) {
      const row = pending[i]!;
      const status: NotificationStatus =
        o.kind === 'sent' ? 'SENT' : o.kind === 'invalid-token' ? 'INVALID_TOKEN' : o.kind === 'transient' && !attempt.isFinal ? 'RETRYING' : 'FAILED';
      await d.log.record(row.id, status, o.kind === 'sent' ? { messageId: o.messageId } : { error: o.error });
      if (status === 'INVALID_TOKEN') dead.push(row.token);
      if (status === 'RETRYING') retry++;
      d.onOutcome(status);
    }
    await d.tokens.remove(dead);
    if (retry > 0) throw new Error(`${retry} push(es) failed transiently; retrying`);
    return { delivered: outcomes.length };
  }

  async digest(requestIdx: number, recipientId: string): Promise<object> {
    const d = this.d;
    const count = Number((await d.redis.getdel(d.keys.pushCount(requestIdx, recipientId))) ?? 0);
    if (await d.presence.isOnline(recipientId)) return { skipped: 'recipient online' };
    const latest = await this.latestMessage(requestIdx);
    const data: Record<string, string> = { type: PUSH_KINDS.CHAT, requestIdx: String(requestIdx), count: String(Math.max(count, 1)) };
    if (latest) {
      data['senderId'] = latest.senderId;
      data['seq'] = String(latest.seq);
      if (d.includeContent) data['content'] = latest.content.slice(0, 1000);
    }
    await d.scheduler.notify({ kind: PUSH_KINDS.CHAT, userIds: [recipientId], requestIdx, data });
    return { count };
  }

  /** One row per user and device token (or one SKIPPED row); retries reuse these rows, never log again. */
  private async logRows(job: NotifyJob, attempt: DeliveryAttempt): Promise<number[]> {
    const d = this.d;
    const tokens = await d.tokens.tokensOf(job.userIds);
    const rows = job.userIds.flatMap((userId): NewNotification[] => {
      const mine = tokens.filter((t) => t.userId === userId);
      const base = { kind: job.kind, userId, requestIdx: job.requestIdx };
      if (mine.length === 0) return [{ ...base, token: null, status: 'SKIPPED', lastError: 'no device token' }];
      return mine.map((t) =>
        d.sender
          ? { ...base, token: t.token, status: 'PENDING' }
          : { ...base, token: t.token, status: 'SKIPPED', lastError: 'push disabled (FCM_CREDENTIALS unset)' },
      );
    });
    const ids = await d.log.create(rows);
    for (const r of rows) if (r.status === 'SKIPPED') d.onOutcome('SKIPPED');
    await attempt.saveNotificationIds(ids);
    return ids;
  }

  private async latestMessage(requestIdx: number): Promise<ChatMessage | undefined> {
    const raw = await this.d.chatLog.latest(requestIdx);
    if (raw) return decodeChatMessage(raw);
    const seq = await this.d.messages.lastSeq(requestIdx);
    return seq ? (await this.d.messages.listAfter(requestIdx, seq - 1, 1))[0] : undefined;
  }
}
