import type { Job } from 'bullmq';
import type { ChatMessage } from '../../lib/chat/chat-message';
import type { ChatMessageRepository } from '../../lib/chat/chat-message-repository';
import type { DeviceTokenRepository } from '../../lib/push/device-token-repository';
import type { NewNotification, NotificationLog } from '../../lib/push/notification-log';
import type { Presence } from '../../lib/push/presence';
import { PUSH_KINDS, type PushScheduler } from '../../lib/push/push-scheduler';
import type { PushSender } from '../../lib/push/push-sender';
import type { NotifyJob } from '../../lib/queues/job-payloads';
import type { RedisKeys } from '../../lib/redis/redis-keys';
import type { Redis } from 'ioredis';
import type { QueueHandlers } from '../job-runner';
import type { WorkerMetrics } from '../worker-metrics';

export interface PushDeps {
  /** undefined when FCM_CREDENTIALS is unset: every push is logged SKIPPED. */
  sender: PushSender | undefined;
  tokens: DeviceTokenRepository;
  log: NotificationLog;
  presence: Presence;
  scheduler: PushScheduler;
  messages: ChatMessageRepository;
  redis: Redis;
  keys: RedisKeys;
  includeContent: boolean;
  metrics: WorkerMetrics;
}

/**
 * push-notify: `notify` writes one log row per user and token, then delivers; transient failures keep
 * their rows RETRYING and fail the job so BullMQ retries it (backoff with jitter) for those rows only;
 * dead tokens are deleted and never retried. `chat-digest` turns a collapsed burst into one push.
 */
export function pushNotifyHandlers(d: PushDeps): QueueHandlers<'push-notify'> {
  return {
    notify: async (data, job) => deliver(d, data, job),
    'chat-digest': async ({ requestIdx, recipientId }) => {
      const count = Number((await d.redis.getdel(d.keys.pushCount(requestIdx, recipientId))) ?? 0);
      if (await d.presence.isOnline(recipientId)) return { skipped: 'recipient online' };
      const latest = await latestMessage(d, requestIdx);
      const data: Record<string, string> = { type: PUSH_KINDS.CHAT, requestIdx: String(requestIdx), count: String(Math.max(count, 1)) };
      if (latest) {
        data['senderId'] = latest.senderId;
        data['seq'] = String(latest.seq);
        if (d.includeContent) data['content'] = latest.content.slice(0, 1000);
      }
      await d.scheduler.notify({ kind: PUSH_KINDS.CHAT, userIds: [recipientId], requestIdx, data });
      return { count };
    },
  };
}

async function deliver(d: PushDeps, data: NotifyJob, job: Job): Promise<object> {
  let ids = data.notificationIds;
  if (!ids) {
    const tokens = await d.tokens.tokensOf(data.userIds);
    const rows = data.userIds.flatMap((userId): NewNotification[] => {
      const mine = tokens.filter((t) => t.userId === userId);
      const base = { kind: data.kind, userId, requestIdx: data.requestIdx };
      if (mine.length === 0) return [{ ...base, token: null, status: 'SKIPPED', lastError: 'no device token' }];
      return mine.map((t) =>
        d.sender ? { ...base, token: t.token, status: 'PENDING' } : { ...base, token: t.token, status: 'SKIPPED', lastError: 'push disabled (FCM_CREDENTIALS unset)' },
      );
    });
    ids = await d.log.create(rows);
    for (const r of rows) if (r.status === 'SKIPPED') d.metrics.pushes.inc({ status: 'SKIPPED' });
    // Retries must reuse these rows, not log the notification again.
    await job.updateData({ ...data, notificationIds: ids });
  }
  if (!d.sender) return { skipped: ids.length };
  const pending = await d.log.deliverable(ids);
  if (pending.length === 0) return { delivered: 0 };
  const outcomes = await d.sender.send(pending.map((p) => p.token), data.data);
  const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const dead: string[] = [];
  let retry = 0;
  for (const [i, o] of outcomes.entries()) {
    const row = pending[i]!;
    if (o.kind === 'sent') await d.log.record(row.id, 'SENT', { messageId: o.messageId });
    else if (o.kind === 'invalid-token') {
      await d.log.record(row.id, 'INVALID_TOKEN', { error: o.error });
      dead.push(row.token);
    } else if (o.kind === 'transient' && !finalAttempt) {
      await d.log.record(row.id, 'RETRYING', { error: o.error });
      retry++;
    } else await d.log.record(row.id, 'FAILED', { error: o.error });
    d.metrics.pushes.inc({ status: o.kind === 'sent' ? 'SENT' : o.kind === 'invalid-token' ? 'INVALID_TOKEN' : o.kind === 'transient' && !finalAttempt ? 'RETRYING' : 'FAILED' });
  }
  await d.tokens.remove(dead);
  if (retry > 0) throw new Error(`${retry} push(es) failed transiently; retrying`);
  return { delivered: outcomes.length };
}

async function latestMessage(d: PushDeps, requestIdx: number): Promise<ChatMessage | undefined> {
  const raw = await d.redis.lindex(d.keys.chatRoom(requestIdx), -1);
  if (raw) return JSON.parse(raw) as ChatMessage;
  const seq = await d.messages.lastSeq(requestIdx);
  return seq ? (await d.messages.listAfter(requestIdx, seq - 1, 1))[0] : undefined;
}
