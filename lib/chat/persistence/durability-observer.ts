import { Counter, type Registry } from 'prom-client';

/** What the hot log's self-checks found; every role counts it in its own registry. */
export interface DurabilityObserver {
  /** A room failed verification and was rebuilt from PostgreSQL. */
  onRebuilt(report: { requestIdx: number; lost: number; abandoned: number; reason: string }): void;
  /** PostgreSQL held a different message for a hot-log message's seq or clientMsgId (then repaired). */
  onConflict(kind: 'seq-taken' | 'duplicate-client-msg'): void;
}

/** The durability series, the same names in the gateway's and the worker's registry (alert rules use them). */
export class DurabilityMetrics implements DurabilityObserver {
  private readonly rebuilds: Counter;
  private readonly lost: Counter;
  private readonly abandoned: Counter;
  private readonly conflicts: Counter<'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.rebuilds = new Counter({ name: 'oh_hot_log_rebuilds_total', help: 'Rooms rebuilt from PostgreSQL after failing verification', registers });
    this.lost = new Counter({
      name: 'oh_persist_lost_messages_total',
      help: 'Appended messages known lost before their PostgreSQL commit (Redis lost them)',
      registers,
    });
    this.abandoned = new Counter({
      name: 'oh_chat_seqs_abandoned_total',
      help: 'Reserved seqs skipped by a rebuild whose use is unknown (an upper bound on messages lost with a whole Redis)',
      registers,
    });
    this.conflicts = new Counter({
      name: 'oh_persist_conflicts_total',
      help: 'Hot-log messages that clashed with a different stored message (repaired)',
      labelNames: ['kind'],
      registers,
    });
    for (const kind of ['seq-taken', 'duplicate-client-msg']) this.conflicts.inc({ kind }, 0);
  }

  onRebuilt(report: { lost: number; abandoned: number }): void {
    this.rebuilds.inc();
    if (report.lost > 0) this.lost.inc(report.lost);
    if (report.abandoned > 0) this.abandoned.inc(report.abandoned);
  }

  onConflict(kind: 'seq-taken' | 'duplicate-client-msg'): void {
    this.conflicts.inc({ kind });
  }
}
