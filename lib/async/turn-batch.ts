/**
 * Collects the calls made in one event-loop turn and runs them as one batch once the turn's I/O callbacks
 * are done (setImmediate); every caller of the turn gets the batch's promise. For work where one statement
 * for many items costs about what one item costs: a room's appends (one script call), a connect storm's user
 * upserts and room reads, a turn's pending-index writes, the group commit.
 *
 * `oneAtATime`: a batch starts only once the previous one finished, and everything that arrived meanwhile
 * joins it (the group commit: one transaction in flight, the next one as large as the wait made it).
 *
 * The gateway's frame writes do not use it (FrameFlusher, SessionOutbox): they are synchronous, run per
 * frame on the hot path, and would pay a promise per frame for nothing.
 */
export class TurnBatch<T, R> {
  private pending: { items: T[]; done: Promise<R> } | undefined;
  private previous: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly run: (items: T[]) => Promise<R>,
    private readonly options: { oneAtATime?: boolean } = {},
  ) {}

  add(item: T): Promise<R> {
    if (!this.pending) {
      const items: T[] = [];
      const turnEnd = new Promise<void>((resolve) => setImmediate(resolve));
      const start = this.options.oneAtATime ? Promise.all([turnEnd, this.previous]) : turnEnd;
      const done = start.then(() => {
        this.pending = undefined;
        return this.run(items);
      });
      if (this.options.oneAtATime) this.previous = done.catch(() => undefined);
      this.pending = { items, done };
    }
    this.pending.items.push(item);
    return this.pending.done;
  }
}
