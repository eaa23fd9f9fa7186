import type { PushDelivery } from '../../lib/push/push-delivery';
import type { QueueHandlers } from '../job-runner';

/** push-notify: delivery lives in lib/push (PushDelivery); the job supplies the attempt and keeps the log row ids. */
export function pushNotifyHandlers(delivery: PushDelivery): QueueHandlers<'push-notify'> {
  return {
    notify: async (data, job) =>
      delivery.notify(data, {
        isFinal: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
        saveNotificationIds: (ids) => job.updateData({ ...data, notificationIds: ids }),
      }),
    'chat-digest': async ({ requestIdx, recipientId }) => delivery.digest(requestIdx, recipientId),
  };
}
