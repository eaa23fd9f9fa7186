import { AUDITED_TRANSITIONS, SYSTEM_ORIGIN, consultationTarget, type AuditOrigin } from '../audit/audit-actions';
import type { AuditLog } from '../audit/audit-log';
import { AppError, forbidden, invalidTransition, notFound } from '../errors/app-error';
import type { EventPublisher } from '../events/event-publisher';
import type { ConsultationRoomEvent } from '../../protocol/room-events';
import type { ConsultationLifecycleEvent } from './consultation-events';
import type { Principal } from '../identity/principal';
import type { UserDirectory } from '../users/user-directory';
import type { ConsultationModel } from './consultation.model';
import type { ConsultationRepository, Page, TransitionPatch } from './consultation-repository';
import {
  ACTIVE_STATUSES,
  HISTORY_STATUSES,
  TRANSITIONS,
  accessDenial,
  roleDenial,
  type AccessCheck,
  type ConsultationStatus,
  type EndReason,
  type LifecycleAction,
} from './consultation-status';
import type { ListInput } from './consultation-inputs';

/**
 * Told of every change this process made (a new request, or a transition it won), after it is committed
 * and published: chat close, archive, push. `actorId` is null for the system (auto-close).
 */
export interface LifecycleObserver {
  onTransition(c: ConsultationModel, action: LifecycleAction | 'REQUEST', actorId: string | null): Promise<void>;
}

/**
 * The consultation use cases: authorization, the conditional transition with its audit row (one commit:
 * if the row cannot be written the change does not happen), and the events that follow.
 */
export class ConsultationLifecycle {
  constructor(
    private readonly repo: ConsultationRepository,
    private readonly users: UserDirectory,
    private readonly events: EventPublisher,
    private readonly audit: AuditLog,
    private readonly observers: readonly LifecycleObserver[] = [],
  ) {}

  async request(actor: Principal, input: { professorId: string; title: string; content: string; desiredTime?: Date | null }): Promise<ConsultationModel> {
    if (!actor.roles.has('STUDENT')) throw forbidden('only students request consultations');
    const professor = await this.users.find(input.professorId);
    if (!professor || professor.role !== 'PROFESSOR') throw notFound(`professor ${input.professorId} not found`);
    const requestIdx = await this.repo.insert({
      studentId: actor.userId,
      professorId: professor.id,
      title: input.title,
      content: input.content,
      desiredTime: input.desiredTime ?? null,
    });
    const created = await this.mustFind(requestIdx);
    await this.publish(created, 'REQUEST', actor.userId);
    for (const o of this.observers) await o.onTransition(created, 'REQUEST', actor.userId);
    return created;
  }

  /** Loads a consultation the actor may access for `check`, or throws the contract's error. */
  async authorize(actor: Principal, requestIdx: number, check: AccessCheck): Promise<ConsultationModel> {
    const byRole = roleDenial(check, actor.roles);
    if (byRole) throw new AppError(byRole, 'your role may not do this');
    const c = await this.repo.findById(requestIdx);
    if (!c) throw notFound(`consultation ${requestIdx} not found`);
    const denial = accessDenial(check, actor, c);
    if (denial) throw new AppError(denial, denial === 'FORBIDDEN' ? 'your role may not do this' : 'you are not a participant of this consultation');
    return c;
  }

  approve(actor: Principal, requestIdx: number, scheduledTime: Date | null | undefined, origin: AuditOrigin) {
    return this.apply(actor, origin, requestIdx, 'APPROVE', (c) => ({
      approvedAt: new Date(),
      scheduledTime: scheduledTime ?? c.desiredTime ?? null,
    }));
  }

  reject(actor: Principal, requestIdx: number, reason: string, origin: AuditOrigin) {
    return this.apply(actor, origin, requestIdx, 'REJECT', () => ({ rejectReason: reason }));
  }

  cancel(actor: Principal, requestIdx: number, reason: string | null | undefined, origin: AuditOrigin) {
    return this.apply(actor, origin, requestIdx, 'CANCEL', () => ({ cancelReason: reason ?? null }));
  }

  /** Idempotent: starting an IN_PROGRESS consultation returns it unchanged. */
  async start(actor: Principal, requestIdx: number): Promise<ConsultationModel> {
    const c = await this.authorize(actor, requestIdx, 'START');
    if (c.status === 'IN_PROGRESS') return c;
    return this.transitionById(requestIdx, 'START', { startedAt: new Date() }, actor.userId, SYSTEM_ORIGIN, () => false);
  }

  /** The first chat message on a SCHEDULED consultation starts it; losing that race to another start is fine. */
  async startForChat(requestIdx: number, actorId: string): Promise<ConsultationModel> {
    return this.transitionById(requestIdx, 'START', { startedAt: new Date() }, actorId, SYSTEM_ORIGIN, (now) => now.status === 'IN_PROGRESS');
  }

  end(actor: Principal, requestIdx: number, origin: AuditOrigin) {
    return this.apply(actor, origin, requestIdx, 'END', () => ({ endedAt: new Date(), endReason: 'USER' as EndReason }));
  }

  /** Ends a consultation on the system's behalf (auto-close); false when it was no longer IN_PROGRESS. */
  async endBySystem(requestIdx: number, reason: EndReason): Promise<boolean> {
    try {
      await this.transitionById(requestIdx, 'END', { endedAt: new Date(), endReason: reason }, null, SYSTEM_ORIGIN, () => false);
      return true;
    } catch (err) {
      if (err instanceof AppError && err.code === 'INVALID_STATE_TRANSITION') return false;
      throw err;
    }
  }

  /**
   * Closes an open consultation for the system (a participant's erasure): IN_PROGRESS ends, PENDING and
   * SCHEDULED are canceled. False when it was closed already.
   */
  async closeBySystem(requestIdx: number, cancelReason: string): Promise<boolean> {
    const c = await this.mustFind(requestIdx);
    if (c.status === 'IN_PROGRESS') return (await this.endBySystem(requestIdx, 'USER')) || this.closeBySystem(requestIdx, cancelReason);
    if (!TRANSITIONS.CANCEL.from.includes(c.status)) return false;
    try {
      await this.transitionById(requestIdx, 'CANCEL', { cancelReason }, null, SYSTEM_ORIGIN, () => false);
      return true;
    } catch (err) {
      // It moved meanwhile (started, or closed by someone else): look again.
      if (err instanceof AppError && err.code === 'INVALID_STATE_TRANSITION') return this.closeBySystem(requestIdx, cancelReason);
      throw err;
    }
  }

  async view(actor: Principal, requestIdx: number): Promise<ConsultationModel> {
    return this.authorize(actor, requestIdx, 'VIEW');
  }

  async markRead(actor: Principal, requestIdx: number): Promise<{ requestIdx: number; lastReadTime: string }> {
    const c = await this.authorize(actor, requestIdx, 'READ');
    const at = new Date();
    await this.repo.markRead(requestIdx, actor.userId === c.studentId ? 'student' : 'professor', at);
    const readAt = at.toISOString();
    const read: ConsultationRoomEvent = { type: 'READ', requestIdx, readerId: actor.userId, readAt };
    await this.events.toUsers([c.studentId, c.professorId], read);
    return { requestIdx, lastReadTime: readAt };
  }

  listActive(actor: Principal, q: ListInput): Promise<Page<ConsultationModel>> {
    return this.repo.listForParticipant(actor.userId, { statuses: narrow(ACTIVE_STATUSES, q.status), page: q.page, size: q.size });
  }

  listHistory(actor: Principal, q: ListInput): Promise<Page<ConsultationModel>> {
    return this.repo.listForParticipant(actor.userId, { statuses: narrow(HISTORY_STATUSES, q.status), page: q.page, size: q.size });
  }

  listMyRequests(actor: Principal, q: ListInput): Promise<Page<ConsultationModel>> {
    if (!actor.roles.has('STUDENT')) throw forbidden('only students have sent requests');
    return this.repo.listBySide('student', actor.userId, { statuses: q.status ? [q.status] : undefined, page: q.page, size: q.size });
  }

  listReceived(actor: Principal, q: ListInput): Promise<Page<ConsultationModel>> {
    if (!actor.roles.has('PROFESSOR')) throw forbidden('only professors receive requests');
    return this.repo.listBySide('professor', actor.userId, { statuses: q.status ? [q.status] : undefined, page: q.page, size: q.size });
  }

  private async apply(
    actor: Principal,
    origin: AuditOrigin,
    requestIdx: number,
    action: LifecycleAction,
    patch: (c: ConsultationModel) => TransitionPatch,
  ): Promise<ConsultationModel> {
    const c = await this.authorize(actor, requestIdx, action);
    return this.transitionById(requestIdx, action, patch(c), actor.userId, origin, () => false);
  }

  /** `origin` is who the audit row names, for the actions that have one (AUDITED_TRANSITIONS). */
  private async transitionById(
    requestIdx: number,
    action: LifecycleAction,
    patch: TransitionPatch,
    actorId: string | null,
    origin: AuditOrigin,
    acceptLoss: (now: ConsultationModel) => boolean,
  ): Promise<ConsultationModel> {
    const { from, to } = TRANSITIONS[action];
    const audited = AUDITED_TRANSITIONS[action];
    const won = await this.repo.transition(
      requestIdx,
      from,
      to,
      patch,
      audited && ((trx) => this.audit.record(origin, audited, consultationTarget(requestIdx), trx)),
    );
    const now = await this.mustFind(requestIdx);
    if (!won) {
      if (acceptLoss(now)) return now;
      throw invalidTransition(`cannot ${action.toLowerCase()} a consultation that is ${now.status}`);
    }
    await this.publish(now, action, actorId);
    for (const o of this.observers) await o.onTransition(now, action, actorId);
    return now;
  }

  private async publish(c: ConsultationModel, action: ConsultationLifecycleEvent['action'], actorId: string | null) {
    const endReason = c.endReason ? { endReason: c.endReason } : {};
    const status: ConsultationRoomEvent = { type: 'STATUS', requestIdx: c.requestIdx, status: c.status, ...endReason };
    const event: ConsultationLifecycleEvent = {
      kind: 'consultation.lifecycle',
      requestIdx: c.requestIdx,
      studentId: c.studentId,
      professorId: c.professorId,
      action,
      status: c.status,
      ...endReason,
      actorId,
      at: new Date().toISOString(),
    };
    await this.events.lifecycle([c.studentId, c.professorId], status, event);
  }

  private async mustFind(requestIdx: number): Promise<ConsultationModel> {
    const c = await this.repo.findById(requestIdx);
    if (!c) throw notFound(`consultation ${requestIdx} not found`);
    return c;
  }
}

function narrow(allowed: readonly ConsultationStatus[], wanted: ConsultationStatus | undefined): ConsultationStatus[] {
  if (!wanted) return [...allowed];
  return allowed.includes(wanted) ? [wanted] : [];
}
