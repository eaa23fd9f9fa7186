/**
 * Collects the calls made in one event-loop turn and runs them as one batch once the turn's I/O callbacks
 * are done (setImmediate); every caller of the turn gets the batch's promise. For work where one statement
 * for many items costs about what one item costs: a room's appends (one script call), a connect storm's user
 * upserts and room reads, a turn's pending-index writes.
 */
export class TurnBatch<T, R> {
  private pending: { items: T[]; done: Promise<R> } | undefined;

  constructor(private readonly run: (items: T[]) => Promise<R>) {}

  add(item: T): Promise<R> {
    if (!this.pending) {
      const items: T[] = [];
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pending = undefined;
        return this.run(items);
      });
      this.pending = { items, done };
    }
    this.pending.items.push(item);
    return this.pending.done;
  }
}
