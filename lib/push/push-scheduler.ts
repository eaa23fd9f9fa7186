import type { LifecycleObserver } from '../consultation/consultation-lifecycle';
import type { ConsultationModel } from '../consultation/consultation.model';
import type { LifecycleAction } from '../consultation/consultation-status';
import type { WarningListener } from '../maintenance/auto-close-scan';
import type { NotifyJob } from '../queues/job-payloads';
import type { QueueClient } from '../queues/queue-client';
import { QUEUE_NAMES } from '../queues/queue-names';

export const PUSH_KINDS = {
  REQUEST: 'REQUEST_CREATED',
  APPROVE: 'REQUEST_APPROVED',
  REJECT: 'REQUEST_REJECTED',
  CANCEL: 'REQUEST_CANCELED',
  START: 'CONSULTATION_STARTED',
  END: 'CONSULTATION_ENDED',
  WARNING: 'MAX_DURATION_WARNING',
  CHAT: 'CHAT_MESSAGE',
} as const;

/**
 * Decides who gets a push for a lifecycle change and queues it: a request → the professor, approve /
 * reject → the student, start / end → the other participant (both when the system ended it), cancel →
 * the professor, the max-duration warning → both. Delivery happens in the push-notify worker.
 */
export class PushScheduler implements LifecycleObserver, WarningListener {
  constructor(private readonly queues: QueueClient) {}

  async onTransition(c: ConsultationModel, action: LifecycleAction | 'REQUEST', actorId: string | null): Promise<void> {
    const other = actorId === c.studentId ? [c.professorId] : actorId === c.professorId ? [c.studentId] : [c.studentId, c.professorId];
    const to: Record<LifecycleAction | 'REQUEST', string[]> = {
      REQUEST: [c.professorId],
      APPROVE: [c.studentId],
      REJECT: [c.studentId],
      CANCEL: [c.professorId],
      START: other,
      END: other,
    };
    const data: Record<string, string> = { type: PUSH_KINDS[action], requestIdx: String(c.requestIdx), status: c.status, title: c.title };
    if (c.endReason) data['endReason'] = c.endReason;
    if (c.scheduledTime) data['scheduledTime'] = new Date(c.scheduledTime).toISOString();
    await this.notify({ kind: PUSH_KINDS[action], userIds: to[action], requestIdx: c.requestIdx, data });
  }

  async onWarning(room: { requestIdx: number; studentId: string; professorId: string }, endsAt: Date): Promise<void> {
    await this.notify({
      kind: PUSH_KINDS.WARNING,
      userIds: [room.studentId, room.professorId],
      requestIdx: room.requestIdx,
      data: { type: PUSH_KINDS.WARNING, requestIdx: String(room.requestIdx), endsAt: endsAt.toISOString() },
    });
  }

  async notify(job: NotifyJob): Promise<void> {
    await this.queues.enqueue(QUEUE_NAMES.pushNotify, 'notify', job);
  }
}
