/** Runs `work` over `items` with at most `limit` at a time; one item's failure does not stop the others. */
export async function forEachBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<{ failed: T[] }> {
  const failed: T[] = [];
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch {
        failed.push(item);
      }
    }
  });
  await Promise.all(runners);
  return { failed };
}
