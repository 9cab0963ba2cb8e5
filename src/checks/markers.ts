// PITR markers: the last marker before the target present in the restore, the first after it absent.
import type { CheckResult } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { Cluster } from '../env/cluster.ts';
import { readMarkers } from '../source/markers.ts';

/** Markers a restore must hold and must not hold; null when no markers were written on the source. */
export type ExpectedMarkers = { present: string[]; absent: string[] } | null;

/** Compare the markers `found` in the restore with the expected ones. */
export function markersCheck(expected: ExpectedMarkers, found: readonly string[], durationMs: number): CheckResult {
  if (!expected)
    return {
      id: 'markers',
      kind: 'markers',
      status: 'skipped',
      exactness: 'not-available',
      message: 'no markers were written on this source',
      durationMs: 0,
    };
  const missing = expected.present.filter((m) => !found.includes(m));
  const extra = expected.absent.filter((m) => found.includes(m));
  if (!missing.length && !extra.length) {
    const last = expected.present.at(-1);
    const next = expected.absent[0];
    return pass(
      'markers',
      'markers',
      'exact',
      expected,
      found,
      `${last ? `last marker before the target (${last}) present` : 'no marker expected yet'}${next ? `, first after it (${next}) absent` : ''}`,
      durationMs,
    );
  }
  return fail(
    'markers',
    'markers',
    'exact',
    expected,
    found,
    `${missing.length ? `markers missing: ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `markers past the target present: ${extra.join(', ')}` : ''}`,
    durationMs,
  );
}

/** Read the restored cluster's markers (when any are expected) and compare them. */
export async function restoredMarkersCheck(
  cluster: Cluster,
  database: string,
  expected: ExpectedMarkers,
): Promise<CheckResult> {
  if (!expected) return markersCheck(null, [], 0);
  const started = performance.now();
  const client = await cluster.connect(database);
  try {
    const found = (await readMarkers(client)) ?? [];
    return markersCheck(expected, found, Math.round(performance.now() - started));
  } finally {
    await client.end();
  }
}
