import type { LifecycleObserver } from '../consultation/consultation-lifecycle';
import type { ConsultationModel } from '../consultation/consultation.model';
import type { LifecycleAction } from '../consultation/consultation-status';
import { SYSTEM_ORIGIN, consultationTarget } from './audit-actions';
import type { AuditLog } from './audit-log';

/**
 * Ends the system makes (auto-close, an erasure closing a room) go into the audit trail. A person's
 * approvals, rejections and ends are recorded by their routes, which know the request id and address.
 */
export class SystemTransitionAudit implements LifecycleObserver {
  constructor(private readonly audit: AuditLog) {}

  async onTransition(c: ConsultationModel, action: LifecycleAction | 'REQUEST', actorId: string | null): Promise<void> {
    if (actorId === null && action === 'END') await this.audit.record(SYSTEM_ORIGIN, 'END', consultationTarget(c.requestIdx));
  }
}
