/**
 * Log-scale latency histogram (~1% resolution from 1 µs to 100 s) that merges across processes:
 * load generators send their buckets, the runner adds them up and reads percentiles.
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);

export class LatencyHistogram {
  readonly buckets = new Map<number, number>();
  count = 0;

  recordMicros(us: number): void {
    const b = Math.max(0, Math.floor(Math.log(Math.max(1, us)) / LOG_GROWTH));
    this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1);
    this.count++;
  }

  merge(other: { buckets: [number, number][]; count: number }): void {
    for (const [b, n] of other.buckets) this.buckets.set(b, (this.buckets.get(b) ?? 0) + n);
    this.count += other.count;
  }

  toJSON(): { buckets: [number, number][]; count: number } {
    return { buckets: [...this.buckets.entries()], count: this.count };
  }

  /** Percentile in milliseconds (NaN when empty). */
  percentileMs(p: number): number {
    if (this.count === 0) return NaN;
    const target = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (const [b, n] of [...this.buckets.entries()].sort((x, y) => x[0] - y[0])) {
      seen += n;
      if (seen >= target) return GROWTH ** (b + 0.5) / 1000;
    }
    return NaN;
  }
}

/** Microseconds on a clock shared by processes on one machine. */
export const nowMicros = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
