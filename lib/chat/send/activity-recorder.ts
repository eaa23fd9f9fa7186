import type { ConsultationRepository } from '../../consultation/consultation-repository';
import type { Logger } from '../../logging/logger';

/**
 * Batches `last_activity_at` stamps from the chat path: one UPDATE per flush for every room that
 * spoke, instead of a write per message. The flush interval must stay far below
 * AUTO_CLOSE_INACTIVE_MS so an active room is never seen as idle.
 */
export class ActivityRecorder {
  private pending = new Map<number, Date>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly consultations: ConsultationRepository,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  touch(requestIdx: number, at: Date): void {
    this.pending.set(requestIdx, at);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.consultations.touchActivity(batch);
      } catch (err) {
        // Keep the stamps for the next flush, unless newer ones arrived meanwhile.
        for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
        this.log.warn({ err, rooms: batch.size }, 'activity flush failed; will retry');
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
