import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { DataOwners } from './data-owners';
import { choosePseudonym, completeErasure } from './erasure-requests';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/audit-log';
import { SYSTEM_ORIGIN, userTarget } from '../audit/audit-actions';
import { withRoomRewriteLockOrWait } from '../archive/room-rewrite-lock';
import type { ChatLog } from '../chat/hot-log/chat-log';
import type { ChatPersister } from '../chat/persistence/chat-persister';
import type { ConsultationLifecycle } from '../consultation/consultation-lifecycle';
import type { EventPublisher } from '../events/event-publisher';
import { CONSULTATION_TABLE } from '../consultation/consultation.model';
import type { Logger } from '../logging/logger';
import type { RedisKeys } from '../redis/redis-keys';
import type { SealedCopies } from './sealed-copies';

/** What one erasure changed (its job's return value and user_erasure.report). */
export interface ErasureReport {
  consultations: number;
  closed: number;
  messagesErased: number;
  archivesResealed: number;
  snapshotsResealed: number;
  deviceTokens: number;
  notifications: number;
}

export interface ErasureProgress {
  done: number;
  total: number;
}

const PAGE = 100;
/** The name of an erased person's row and of every pseudonym: one fixed label, so no name links the two. */
export const ERASED_NAME = 'Erased user';
const emptyReport = (): ErasureReport => ({
  consultations: 0,
  closed: 0,
  messagesErased: 0,
  archivesResealed: 0,
  snapshotsResealed: 0,
  deviceTokens: 0,
  notifications: 0,
});

/**
 * Erases a person (docs/data-office.md has the exact semantics). Their consultations move to a pseudonymous
 * user (`erased-<random>`, named ERASED_NAME), so the person starts with no history if they sign in again; their own
 * words (messages, a request's title and text, a rejection reason) are emptied in PostgreSQL; each room's
 * Redis keys are dropped (the hot log is rebuilt from PostgreSQL when read) and its archive and snapshot
 * are re-sealed from the rewritten rows. Open consultations are closed first, so no message of theirs lands
 * after the rewrite. Every step can be repeated: a crashed run resumes with the pseudonym it chose.
 */
export class UserErasure {
  constructor(
    private readonly d: {
      knex: Knex;
      owners: DataOwners;
      redis: Redis;
      keys: RedisKeys;
      lifecycle: ConsultationLifecycle;
      events: EventPublisher;
      persister: Pick<ChatPersister, 'persistRoom'>;
      chatLog: ChatLog;
      copies: SealedCopies;
      audit: AuditLog;
      log: Logger;
    },
  ) {}

  async run(userId: string, onProgress: (p: ErasureProgress) => Promise<void>): Promise<ErasureReport | undefined> {
    const { knex, owners } = this.d;
    const pseudonym = await this.pseudonymFor(userId);
    if (!pseudonym) return undefined;
    const report = emptyReport();
    // Rooms already moved to the pseudonym are taken again: a run that died after moving one may not have
    // re-sealed it yet, and every step is safe to repeat.
    const ids = [userId, pseudonym.id];
    const total = await this.countConsultations(ids);
    for (let after = 0; ;) {
      const rows = (await knex(CONSULTATION_TABLE)
        .whereRaw('(student_id = ANY(?) OR professor_id = ANY(?))', [ids, ids])
        .andWhere('request_idx', '>', after)
        .orderBy('request_idx')
        .limit(PAGE)
        .select('request_idx')) as { request_idx: string | number }[];
      for (const r of rows) {
        await this.eraseFromRoom(Number(r.request_idx), userId, pseudonym.id, report);
        report.consultations++;
      }
      await onProgress({ done: report.consultations, total: Math.max(total, report.consultations) });
      if (rows.length < PAGE) break;
      after = Number(rows[rows.length - 1]!.request_idx);
    }
    await knex.transaction(async (trx) => {
      report.deviceTokens = await owners.deviceTokens.eraseUser(userId, trx);
      report.notifications = await owners.notifications.eraseUser(userId, trx);
      await owners.users.markErased(userId, ERASED_NAME, trx);
      if (await completeErasure(trx, userId, report)) await this.d.audit.record(SYSTEM_ORIGIN, 'ERASE', userTarget(userId), trx);
    });
    // Gateways cached the rooms under the person's id: they are the pseudonym's now.
    await this.d.events.accessRevoked({ userId, endSessions: false });
    this.d.log.info({ report }, 'user erased');
    return report;
  }

  /** The pseudonym this erasure uses: chosen once (random, so it names no one) and kept until it completes. */
  private async pseudonymFor(userId: string): Promise<{ id: string } | undefined> {
    const id = await choosePseudonym(this.d.knex, userId, `erased-${randomBytes(8).toString('hex')}`);
    if (!id) return undefined;
    await this.d.owners.users.addPseudonym(id, ERASED_NAME, userId);
    return { id };
  }

  private async countConsultations(ids: readonly string[]): Promise<number> {
    const [{ count }] = (await this.d.knex(CONSULTATION_TABLE).whereIn('student_id', ids).orWhereIn('professor_id', ids).count('* as count')) as [
      { count: string },
    ];
    return Number(count);
  }

  /** One room, under its rewrite lock (the archive and the backup cycle wait or skip meanwhile). */
  private async eraseFromRoom(requestIdx: number, userId: string, pseudonymId: string, report: ErasureReport): Promise<void> {
    const d = this.d;
    if (await d.lifecycle.closeBySystem(requestIdx, 'a participant was erased')) report.closed++;
    await withRoomRewriteLockOrWait(d.redis, d.keys, requestIdx, async () => {
      await d.persister.persistRoom(requestIdx);
      report.messagesErased += await this.rewriteRows(requestIdx, userId, pseudonymId);
      await d.chatLog.remove(requestIdx);
      const resealed = await d.copies.resealFromDatabase(requestIdx);
      if (resealed.archive) report.archivesResealed++;
      if (resealed.snapshot) report.snapshotsResealed++;
    });
  }

  private async rewriteRows(requestIdx: number, userId: string, pseudonymId: string): Promise<number> {
    const { owners } = this.d;
    return this.d.knex.transaction(async (trx) => {
      const erased = await owners.messages.eraseSender(requestIdx, userId, pseudonymId, trx);
      await owners.consultations.moveToPseudonym(requestIdx, userId, pseudonymId, trx);
      return erased;
    });
  }
}
