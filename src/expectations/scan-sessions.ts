// Count and hash tables side by side on several sessions of one database (one snapshot on a live source).
import type pg from 'pg';

/**
 * Run `scan` for every item, each session taking the next item when free, and return the results in item order.
 * After a failure no new item starts; once the started ones end, the failure of the first item (in item order) is
 * thrown, so the same unreadable table is reported on every run, whichever session met it first.
 */
export async function scanOnSessions<T, R>(
  sessions: readonly pg.Client[],
  items: readonly T[],
  scan: (session: pg.Client, item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  const failures = new Map<number, unknown>();
  let next = 0;
  const work = async (session: pg.Client): Promise<void> => {
    while (next < items.length && failures.size === 0) {
      const index = next++;
      try {
        results[index] = await scan(session, items[index]!);
      } catch (error) {
        failures.set(index, error);
      }
    }
  };
  await Promise.all(sessions.map(work));
  if (failures.size) throw failures.get(Math.min(...failures.keys()));
  return results;
}
