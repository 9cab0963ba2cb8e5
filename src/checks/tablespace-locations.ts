// Where the restored cluster's tablespaces live: inside the environment's own directory, never at the source's paths.
import { sep } from 'node:path';
import type { Cluster } from '../env/cluster.ts';
import type { CheckResult } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { RelocatedTablespace } from '../restore/globals-tablespaces.ts';

/** A tablespace of the restored cluster and its directory. */
export interface RestoredTablespace {
  name: string;
  location: string;
}

/** Every user tablespace of `cluster` and its directory (pg_default and pg_global left out). */
export async function readTablespaceLocations(cluster: Cluster): Promise<RestoredTablespace[]> {
  const client = await cluster.connect('postgres');
  try {
    const { rows } = await client.query<RestoredTablespace>(
      "select spcname as name, pg_tablespace_location(oid) as location from pg_tablespace where spcname not in ('pg_default', 'pg_global') order by 1",
    );
    return rows;
  } finally {
    await client.end();
  }
}

/**
 * Each tablespace the globals created exists at the directory the restore chose, inside `root` and not at the
 * source's path; no other tablespace lives outside `root`.
 */
export function tablespaceLocationsCheck(
  root: string,
  planned: readonly RelocatedTablespace[],
  restored: readonly RestoredTablespace[],
): CheckResult {
  const id = 'restore:tablespaces';
  const inside = (path: string): boolean => path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
  const found = new Map(restored.map((t) => [t.name, t.location]));
  const problems: string[] = [];
  for (const t of planned) {
    const location = found.get(t.name);
    if (location === undefined)
      problems.push(`tablespace ${t.name} was not created (the source had it at ${t.sourceLocation})`);
    else if (location === t.sourceLocation)
      problems.push(`tablespace ${t.name} is at the source's own path ${location}`);
    else if (location !== t.location || !inside(location))
      problems.push(
        `tablespace ${t.name} is at ${location}, not at ${t.location} inside the environment's directory ${root}`,
      );
  }
  for (const t of restored) {
    if (!planned.some((p) => p.name === t.name) && !inside(t.location))
      problems.push(`tablespace ${t.name} is at ${t.location}, outside the environment's directory ${root}`);
  }
  const expected = Object.fromEntries(planned.map((t) => [t.name, t.location]));
  const actual = Object.fromEntries(restored.map((t) => [t.name, t.location]));
  if (problems.length) return fail('restore', id, 'exact', expected, actual, problems.join('; '), 0);
  const moved = planned.map((t) => `${t.name}: ${t.sourceLocation} → ${t.location}`).join(', ');
  return pass(
    'restore',
    id,
    'exact',
    expected,
    actual,
    `${planned.length} tablespace(s) restored inside the environment's directory, not at the source's paths (${moved})`,
    0,
  );
}
