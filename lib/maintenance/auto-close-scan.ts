import type { ConsultationLifecycle } from '../consultation/consultation-lifecycle';
import type { ConsultationRepository } from '../consultation/consultation-repository';
import type { ConsultationScans } from '../consultation/consultation-scans';
import type { EventPublisher } from '../events/event-publisher';
import type { Logger } from '../logging/logger';
import type { ChatLog } from '../chat/hot-log/chat-log';
import type { ConsultationRoomEvent } from '../../protocol/room-events';

export interface AutoCloseSettings {
  inactiveMs: number;
  maxDurationMs: number;
  warnBeforeMs: number;
}

export interface AutoCloseReport {
  warned: number;
  closedInactive: number;
  closedMaxDuration: number;
  stillActive: number;
}

export interface WarningListener {
  onWarning(room: { requestIdx: number; studentId: string; professorId: string }, endsAt: Date): Promise<void>;
}

const BATCH = 200;
const MAX_BATCHES = 500;

/**
 * Ends IN_PROGRESS consultations that ran too long (MAX_DURATION) or went quiet (INACTIVE), and sends
 * the one warning before the maximum. Every end goes through the lifecycle (STATUS events, archive job);
 * a user's end racing this one leaves one winner. Scans are index-backed and bounded per batch.
 */
export class AutoCloseScan {
  constructor(
    private readonly d: {
      scans: ConsultationScans;
      consultations: ConsultationRepository;
      lifecycle: ConsultationLifecycle;
      events: EventPublisher;
      chatLog: Pick<ChatLog, 'activityStamp'>;
      settings: AutoCloseSettings;
      log: Logger;
      warningListener?: WarningListener;
    },
  ) {}

  async run(now = new Date()): Promise<AutoCloseReport> {
    const s = this.d.settings;
    const report: AutoCloseReport = { warned: 0, closedInactive: 0, closedMaxDuration: 0, stillActive: 0 };

    await this.batches(
      () => this.d.scans.startedBefore(new Date(now.getTime() - s.maxDurationMs), BATCH),
      async (room) => {
        if (await this.d.lifecycle.endBySystem(room.requestIdx, 'MAX_DURATION')) report.closedMaxDuration++;
      },
    );

    await this.batches(
      () => this.d.scans.startedBefore(new Date(now.getTime() - (s.maxDurationMs - s.warnBeforeMs)), BATCH, true),
      async (room) => {
        if (!(await this.d.scans.claimWarning(room.requestIdx))) return;
        const endsAt = new Date(room.startedAt!.getTime() + s.maxDurationMs);
        const warning: ConsultationRoomEvent = { type: 'WARNING', requestIdx: room.requestIdx, endsAt: endsAt.toISOString() };
        await this.d.events.toUsers([room.studentId, room.professorId], warning);
        await this.d.warningListener?.onWarning(room, endsAt);
        report.warned++;
      },
    );

    const idleBefore = now.getTime() - s.inactiveMs;
    await this.batches(
      () => this.d.scans.idleSince(new Date(idleBefore), BATCH),
      async (room) => {
        // Chat activity reaches PostgreSQL in batches; Redis has the newest stamp of a room that is talking.
        const redisActivity = await this.d.chatLog.activityStamp(room.requestIdx);
        if (redisActivity > idleBefore) {
          await this.d.consultations.touchActivity(new Map([[room.requestIdx, new Date(redisActivity)]]));
          report.stillActive++;
          return;
        }
        if (await this.d.lifecycle.endBySystem(room.requestIdx, 'INACTIVE')) report.closedInactive++;
      },
    );
    return report;
  }

  /** Re-queries until a batch comes back empty: handled rows leave the query's result set. */
  private async batches<T extends { requestIdx: number }>(query: () => Promise<T[]>, each: (row: T) => Promise<void>): Promise<void> {
    const failed = new Set<number>();
    for (let i = 0; i < MAX_BATCHES; i++) {
      const rows = (await query()).filter((r) => !failed.has(r.requestIdx));
      if (rows.length === 0) return;
      for (const row of rows) {
        try {
          await each(row);
        } catch (err) {
          failed.add(row.requestIdx);
          this.d.log.warn({ err, requestIdx: row.requestIdx }, 'auto-close step failed; retried next scan');
        }
      }
      if (failed.size >= BATCH) return;
    }
  }
}
