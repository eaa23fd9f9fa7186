import type { Knex } from 'knex';
import type { AuditLog } from '../audit/audit-log';
import { consultationTarget, type AuditOrigin } from '../audit/audit-actions';
import { CONSULTATION_TABLE, type ConsultationModel } from '../consultation/consultation.model';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import { invalidTransition, notFound } from '../errors/app-error';

/**
 * An ADMIN's legal hold on a consultation: a held consultation is never purged. It is set under the row lock
 * the purge takes, so a hold either lands before a purge (which then skips it) or finds it purged (409).
 */
export class LegalHolds {
  constructor(private readonly d: { knex: Knex; consultations: ConsultationRepository; audit: AuditLog }) {}

  async set(requestIdx: number, hold: boolean, origin: AuditOrigin): Promise<ConsultationModel> {
    await this.d.knex.transaction(async (trx) => {
      const row = (await trx(CONSULTATION_TABLE).where('request_idx', requestIdx).forUpdate().first('legal_hold', 'purged_at')) as
        { legal_hold: boolean; purged_at: Date | null } | undefined;
      if (!row) throw notFound(`consultation ${requestIdx} not found`);
      if (row.purged_at && hold)
        throw invalidTransition(`consultation ${requestIdx} was purged on ${row.purged_at.toISOString()}; there is nothing left to hold`);
      if (row.legal_hold === hold) return;
      await trx(CONSULTATION_TABLE).where('request_idx', requestIdx).update({ legal_hold: hold });
      await this.d.audit.record(origin, hold ? 'LEGAL_HOLD_SET' : 'LEGAL_HOLD_RELEASED', consultationTarget(requestIdx), trx);
    });
    return (await this.d.consultations.findById(requestIdx))!;
  }
}
