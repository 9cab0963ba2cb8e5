// WAL continuity of the drill's own archive: every segment from the backup's start to the target, each this cluster's.
import type { CheckResult } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { PhysicalDetails } from '../repository/backup-record.ts';
import { segmentSystemId, type WalArchive } from '../repository/wal-archive.ts';
import { segmentName, segmentsBetween } from '../repository/wal-names.ts';
import { verifyWalContinuity, type WalContinuity } from '../repository/wal-continuity.ts';

/** What the archive showed for one restore's window. */
export interface WalContinuityFacts {
  continuity: WalContinuity;
  /** Archived segments of the continuous range whose page header names another system (or is unreadable). */
  foreign: string[];
  /** The backup's last segment: a gap up to it makes the backup itself unusable from the archive. */
  stopSegment: string;
  durationMs: number;
}

/** Passes when every needed segment is archived and each is this cluster's. */
export function walContinuityCheck(facts: WalContinuityFacts): CheckResult {
  const { continuity, foreign, durationMs } = facts;
  const id = 'wal:continuity';
  if (continuity.ok) {
    if (foreign.length)
      return fail(
        'wal',
        id,
        'exact',
        0,
        foreign.length,
        `WAL segments that are not this cluster's: ${foreign.join(', ')} (overwritten or from another cluster)`,
        durationMs,
      );
    return pass('wal', id, 'exact', 0, 0, continuity.message, durationMs);
  }
  const inWindow = continuity.missing.filter((s) => s <= facts.stopSegment);
  const why = inWindow.length
    ? `the backup itself is unusable from the archive alone: WAL of its own window is missing (${inWindow.join(', ')})`
    : continuity.message;
  return fail(
    'wal',
    id,
    'exact',
    0,
    continuity.missing.length,
    why === continuity.message ? continuity.message : `${why}; ${continuity.message}`,
    durationMs,
  );
}

/** Read the archive for a physical backup's window, up to `endLsn` (or the archive's end). */
export async function readWalContinuity(
  archive: WalArchive,
  physical: PhysicalDetails,
  endLsn: string | null,
): Promise<WalContinuityFacts> {
  const started = performance.now();
  const endSegment = endLsn ? segmentName(physical.timeline, endLsn, physical.walSegmentSize) : undefined;
  const continuity = await verifyWalContinuity(archive, {
    startSegment: physical.startSegment,
    ...(endSegment ? { endSegment } : {}),
    timeline: physical.timeline,
    segSize: physical.walSegmentSize,
  });
  // Present is not enough: each segment must be this cluster's (a garbage or foreign file has another header).
  const foreign = continuity.ok ? await foreignSegments(archive, physical, continuity.first, continuity.last) : [];
  return {
    continuity,
    foreign,
    stopSegment: physical.stopSegment,
    durationMs: Math.round(performance.now() - started),
  };
}

// Segments in [first, last] on the backup's timeline whose page header names another system (or is unreadable).
async function foreignSegments(
  archive: WalArchive,
  physical: PhysicalDetails,
  first: string | undefined,
  last: string | undefined,
): Promise<string[]> {
  if (!first || !last || first.slice(0, 8) !== last.slice(0, 8)) return [];
  const foreign: string[] = [];
  for (const name of segmentsBetween(first, last, physical.walSegmentSize)) {
    if (!(await archive.has(name))) continue;
    const system = await segmentSystemId(archive.pathOf(name)).catch(() => null);
    if (system !== physical.systemIdentifier) foreign.push(name);
  }
  return foreign;
}
