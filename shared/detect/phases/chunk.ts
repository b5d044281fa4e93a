/** Jobs enqueued before their releases are settled: bounds what a timeout mid-run can repeat. */
export const ENQUEUE_BATCH = 50;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  return parts;
}
