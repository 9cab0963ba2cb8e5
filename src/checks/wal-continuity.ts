// WAL continuity of the drill's own archive: every segment from the backup's start to the target, each this cluster's.
import type { CheckResult } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';
import type { PhysicalDetails } from '../repository/backup-record.ts';
import { segmentSystemId, type WalArchive } from '../repository/wal-archive.ts';
import { lsnToBigInt, parseSegmentName, segmentName, segmentsBetween } from '../repository/wal-names.ts';
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
    continuity.missing.length + continuity.forks.length,
    why === continuity.message ? continuity.message : `${why}; ${continuity.message}`,
    durationMs,
  );
}

/**
 * Read the archive for a physical backup's window, up to `endLsn` (or the archive's end), along the timelines recovery
 * follows: the newest timeline descending from the backup's, as the server chooses with recovery_target_timeline
 * 'latest'.
 */
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
    timeline: 'latest',
    segSize: physical.walSegmentSize,
  });
  // Present is not enough: each segment must be this cluster's (a garbage or foreign file has another header).
  const foreign = continuity.missing.length === 0 ? await foreignSegments(archive, physical, continuity.ranges) : [];
  return {
    continuity,
    foreign,
    stopSegment: physical.stopSegment,
    durationMs: Math.round(performance.now() - started),
  };
}

// Segments recovery reads, on every timeline it follows, whose page header names another system (or is unreadable).
async function foreignSegments(
  archive: WalArchive,
  physical: PhysicalDetails,
  ranges: ReadonlyArray<{ first: string; last: string }>,
): Promise<string[]> {
  const foreign: string[] = [];
  for (const { first, last } of ranges)
    for (const name of segmentsBetween(first, last, physical.walSegmentSize)) {
      if (!(await archive.has(name))) continue;
      const system = await segmentSystemId(archive.pathOf(name)).catch(() => null);
      if (system !== physical.systemIdentifier) foreign.push(name);
    }
  return foreign;
}

/**
 * For `latest`: replay must end in the last segment the archive held on the followed timelines when the restore
 * began. A server stops quietly at the first record it cannot read (a damaged or truncated segment, a wrong one in its
 * place) and calls that the end of WAL; what lies after it was never replayed. `replayEnd` is where the last replayed
 * record ends (pg_last_wal_replay_lsn()).
 */
export function replayedToEndCheck(
  archiveEnd: string | undefined,
  replayEnd: string | null,
  segSize: number,
): CheckResult {
  const id = 'wal:replayed-to-end';
  if (!archiveEnd)
    return { id, kind: 'wal', status: 'skipped', message: 'the archive held no segment to replay', durationMs: 0 };
  if (!replayEnd)
    return {
      id,
      kind: 'wal',
      status: 'errored',
      message: 'the restored server did not say where replay ended (pg_last_wal_replay_lsn() is null)',
      durationMs: 0,
    };
  const endSeg = parseSegmentName(archiveEnd, segSize).segNo;
  // The segment holding the last replayed byte (the end LSN is one past it).
  const reachedSeg = (lsnToBigInt(replayEnd) - 1n) / BigInt(segSize);
  if (reachedSeg >= endSeg)
    return pass(
      'wal',
      id,
      'exact',
      archiveEnd,
      replayEnd,
      `replay ended at ${replayEnd}, in the archive's last segment ${archiveEnd}`,
      0,
    );
  return fail(
    'wal',
    id,
    'exact',
    archiveEnd,
    replayEnd,
    `replay ended at ${replayEnd} although the archive holds WAL up to ${archiveEnd}: ${endSeg - reachedSeg} segment(s) after it were never replayed, so the restore lacks whatever they hold (a damaged, truncated or substituted segment ends recovery early without an error)`,
    0,
  );
}
