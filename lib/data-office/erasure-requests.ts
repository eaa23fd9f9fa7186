import type { Knex } from 'knex';
import type { AuditLog } from '../audit/audit-log';
import { userTarget, type AuditOrigin } from '../audit/audit-actions';
import { CONSULTATION_TABLE } from '../consultation/consultation.model';
import { notFound } from '../errors/app-error';
import type { EventPublisher } from '../events/event-publisher';
import type { QueueClient } from '../queues/queue-client';
import { QUEUE_NAMES } from '../queues/queue-names';

export interface ErasureStatus {
  userId: string;
  status: 'QUEUED' | 'DONE';
  requestedAt: string;
  completedAt: string | null;
  report: Record<string, number> | null;
}

interface ErasureRow {
  user_id: string;
  requested_at: Date;
  completed_at: Date | null;
  report: Record<string, number> | null;
}

/**
 * The ADMIN's side of an erasure (POST /api/admin/users/{userId}/erase): records the request with its audit
 * row in one commit, cuts the person's access on every gateway, and queues the job. A user already erased
 * who has nothing left to erase gets the earlier result back (a no-op, audited too).
 */
export class ErasureRequests {
  constructor(private readonly d: { knex: Knex; queues: QueueClient; audit: AuditLog; events: EventPublisher }) {}

  async request(userId: string, origin: AuditOrigin): Promise<ErasureStatus> {
    const { row, queued } = await this.d.knex.transaction(async (trx) => {
      const user = await trx('users').where('id', userId).first('id');
      const earlier = (await trx('user_erasure').where('user_id', userId).first()) as ErasureRow | undefined;
      if (!user && !earlier) throw notFound(`user ${userId} not found`);
      await this.d.audit.record(origin, 'ERASE', userTarget(userId), trx);
      if (earlier?.completed_at && !(await this.holdsAnything(trx, userId))) return { row: earlier, queued: false };
      const [accepted] = (await trx('user_erasure')
        .insert({ user_id: userId, requested_by: origin.actorId ?? 'system' })
        .onConflict('user_id')
        .merge({ requested_by: origin.actorId ?? 'system', requested_at: trx.fn.now(), completed_at: null, report: null })
        .returning('*')) as ErasureRow[];
      return { row: accepted!, queued: true };
    });
    if (queued) {
      // Committed first: a gateway told now re-reads the row and refuses the person from here on.
      await this.d.events.accessRevoked({ userId, endSessions: true });
      await this.d.queues.enqueue(QUEUE_NAMES.dataOffice, 'erase-user', { userId });
    }
    return toStatus(row);
  }

  /** Anything still tied to the id: consultations, device tokens, notification rows. */
  private async holdsAnything(knex: Knex.Transaction, userId: string): Promise<boolean> {
    const [c, t, n] = await Promise.all([
      knex(CONSULTATION_TABLE).where('student_id', userId).orWhere('professor_id', userId).first('request_idx'),
      knex('device_token').where('user_id', userId).first('token'),
      knex('notification_log').where('user_id', userId).first('id'),
    ]);
    return Boolean(c || t || n);
  }
}

function toStatus(r: ErasureRow): ErasureStatus {
  return {
    userId: r.user_id,
    status: r.completed_at ? 'DONE' : 'QUEUED',
    requestedAt: new Date(r.requested_at).toISOString(),
    completedAt: r.completed_at ? new Date(r.completed_at).toISOString() : null,
    report: r.report,
  };
}

/** The erasure's pseudonym: chosen once (the first run's `candidate`) and kept until the erasure completes; undefined when none is open. */
export async function choosePseudonym(knex: Knex, userId: string, candidate: string): Promise<string | undefined> {
  await knex('user_erasure').where('user_id', userId).whereNull('completed_at').whereNull('pseudonym_id').update({ pseudonym_id: candidate });
  const row = (await knex('user_erasure').where('user_id', userId).whereNull('completed_at').first('pseudonym_id')) as { pseudonym_id: string } | undefined;
  return row?.pseudonym_id;
}

/** Closes the open erasure with its report (forgetting the pseudonym); false when none was open. */
export async function completeErasure(trx: Knex.Transaction, userId: string, report: object): Promise<boolean> {
  const done = await trx('user_erasure')
    .where('user_id', userId)
    .whereNull('completed_at')
    .update({ completed_at: trx.fn.now(), report: JSON.stringify(report), pseudonym_id: null, pseudonym_name: null });
  return done > 0;
}
