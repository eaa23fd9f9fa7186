/** Reads every page of a seq-ordered source (`afterSeq` paging) after `from` into one array. */
export async function readAllPages<T extends { seq: number }>(page: (afterSeq: number) => Promise<T[]>, pageSize: number, from = 0): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const batch = await page(out.length ? out[out.length - 1]!.seq : from);
    out.push(...batch);
    if (batch.length < pageSize) return out;
  }
}
