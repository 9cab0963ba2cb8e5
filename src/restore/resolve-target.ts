// Turn a scenario target into a recovery target plus what must be true there: pure, from the backup's history.
import type { Target } from '../scenario/types.ts';
import type { Expectations } from '../expectations/capture.ts';
import type { SourceHistory } from '../repository/history.ts';
import type { MarkerRecord } from '../source/markers.ts';
import type { RecoveryTarget } from './recovery-config.ts';
import { lsnToBigInt } from '../repository/wal-names.ts';
import { parseInstant } from '../scenario/instant.ts';

export interface ResolvedTarget {
  recovery: RecoveryTarget;
  /** The data expected at the target, or null when nothing exact is known there. */
  expectations: Expectations | null;
  /** Why there are no expectations, when there are none. */
  noExpectationsBecause?: string;
  /** Markers that must be present / absent after recovery (null: markers say nothing here). */
  markersPresent: string[] | null;
  markersAbsent: string[] | null;
  /** LSN up to which the archive must be continuous (null: to the end of the archive). */
  endLsn: string | null;
  /** Where replay pauses among the markers written after the backup; null when that is not known before replaying. */
  position: ReplayPosition | null;
}

/**
 * Where replay pauses for a target: in `gap` (-1 from the backup's end to the first marker's commit, i from marker i's
 * commit to marker i+1's, MAX_SAFE_INTEGER at the end of the archive), at `step` within it. Within gap i: 0 right after
 * marker i's commit (its xid), 1 before the first record at its LSN (the insert position read after the commit, so
 * never before it), 2 after that record, 3 after its restore point, 4 before the next commit after its time (after the
 * restore point unless another session committed between them: see replay-groups.ts); 8 before the first commit at
 * marker i+1's time, 9 right before marker i+1's commit (its xid, exclusive). Sorted by position, targets can replay in
 * turn on one copy.
 */
export interface ReplayPosition {
  gap: number;
  step: number;
}

/** Where a time target (inclusive) at a marker pauses within the marker's gap. */
export const TIME_INCLUSIVE_STEP = 4;

/** The position of `latest`: after every other. */
export const END_OF_ARCHIVE: ReplayPosition = { gap: Number.MAX_SAFE_INTEGER, step: 0 };

export type ResolveResult = { ok: true; target: ResolvedTarget } | { ok: false; problem: string };

/** Resolve `target` against the backup's expectations and the source history written after it. */
export function resolveTarget(
  target: Target,
  backupExpectations: Expectations | null,
  history: SourceHistory | null,
  stopLsn: string,
): ResolveResult {
  const markers = history?.markers ?? [];
  const labels = (list: MarkerRecord[]): string[] => list.map((m) => m.label);
  const noHistory = 'no markers were recorded after this backup (its record keeps no history: a url source)';
  switch (target.kind) {
    case 'immediate':
      return ok({
        recovery: { kind: 'immediate' },
        expectations: backupExpectations,
        ...(backupExpectations ? {} : { noExpectationsBecause: 'the source kept changing while the backup ran' }),
        markersPresent: history ? [] : null,
        markersAbsent: history ? labels(markers) : null,
        endLsn: stopLsn,
        position: { gap: -1, step: 0 },
      });
    case 'latest':
      return ok({
        recovery: { kind: 'latest' },
        expectations: history?.end.expectations ?? null,
        ...(history ? {} : { noExpectationsBecause: noHistory }),
        markersPresent: history ? labels(markers) : null,
        markersAbsent: history ? [] : null,
        endLsn: history?.end.lsn ?? null,
        position: END_OF_ARCHIVE,
      });
    case 'marker': {
      const index = markerIndex(markers, target.marker);
      if (index < 0)
        return {
          ok: false,
          problem: `marker "${target.marker}" was not written after this backup (${history ? `markers: ${labels(markers).join(', ') || 'none'}` : noHistory})`,
        };
      return ok(atMarker(markers, index, target.via, target.inclusive));
    }
    case 'name': {
      const index = markers.findIndex((m) => m.restorePoint === target.name);
      if (index >= 0) return ok(atMarker(markers, index, 'name', true));
      return ok({
        recovery: { kind: 'name', name: target.name },
        expectations: null,
        noExpectationsBecause: `restore point "${target.name}" is not one Recoverable created`,
        markersPresent: null,
        markersAbsent: null,
        endLsn: null,
        position: null,
      });
    }
    case 'xid': {
      const index = markers.findIndex((m) => m.xid === String(target.xid));
      if (index >= 0) return ok(atMarker(markers, index, 'xid', target.inclusive));
      return ok({
        recovery: { kind: 'xid', xid: String(target.xid), inclusive: target.inclusive },
        expectations: null,
        noExpectationsBecause: `transaction ${target.xid} is not a marker`,
        markersPresent: null,
        markersAbsent: null,
        endLsn: null,
        position: null,
      });
    }
    case 'time': {
      // To the microsecond on both sides: commits less than a millisecond apart are told apart, as the server does.
      const at = parseInstant(target.time);
      if (!at.ok) return { ok: false, problem: `time target: ${at.problem}` };
      const times = markerInstants(markers);
      if ('problem' in times) return { ok: false, problem: times.problem };
      const index = times.findIndex((t) => t === at.micros);
      if (index >= 0) return ok(atMarker(markers, index, 'time', target.inclusive));
      // The server stops before the first commit later than the target (at or later, when exclusive).
      const recovered = markers.filter((_, i) => (target.inclusive ? times[i]! <= at.micros : times[i]! < at.micros));
      const notRecovered = markers.filter((m) => !recovered.includes(m));
      return ok({
        recovery: { kind: 'time', time: target.time, inclusive: target.inclusive },
        expectations: null,
        noExpectationsBecause: `${target.time} is not a marker's commit time`,
        markersPresent: history ? labels(recovered) : null,
        markersAbsent: history ? labels(notRecovered) : null,
        endLsn: null,
        position: null,
      });
    }
    case 'lsn': {
      // Compared as numbers: 0/3000200 and PostgreSQL 18's 0/03000200 are one LSN.
      const at = lsnToBigInt(target.lsn);
      const index = markers.findIndex((m) => lsnToBigInt(m.lsn) === at);
      if (index >= 0) return ok(atMarker(markers, index, 'lsn', target.inclusive));
      const before = markers.filter((m) => lsnToBigInt(m.lsn) <= at);
      return ok({
        recovery: { kind: 'lsn', lsn: target.lsn, inclusive: target.inclusive },
        expectations: null,
        noExpectationsBecause: `${target.lsn} is not a marker's LSN`,
        markersPresent: history ? labels(before) : null,
        markersAbsent: history ? labels(markers.slice(before.length)) : null,
        endLsn: target.lsn,
        position: null,
      });
    }
  }
}

// At a marker: its data, the markers before it present, and the marker itself present unless excluded by xid or time.
function atMarker(
  markers: MarkerRecord[],
  index: number,
  via: 'xid' | 'time' | 'lsn' | 'name',
  inclusive: boolean,
): ResolvedTarget {
  const marker = markers[index]!;
  const markerIncluded = via === 'lsn' || via === 'name' || inclusive;
  const present = markers.slice(0, markerIncluded ? index + 1 : index).map((m) => m.label);
  const absent = markers.slice(markerIncluded ? index + 1 : index).map((m) => m.label);
  const recovery: RecoveryTarget =
    via === 'xid'
      ? { kind: 'xid', xid: marker.xid, inclusive }
      : via === 'time'
        ? { kind: 'time', time: marker.time, inclusive }
        : via === 'lsn'
          ? { kind: 'lsn', lsn: marker.lsn, inclusive }
          : { kind: 'name', name: marker.restorePoint };
  return {
    recovery,
    expectations: marker.expectations,
    markersPresent: present,
    markersAbsent: absent,
    endLsn: marker.restorePointLsn,
    position: markerPosition(index, via, inclusive),
  };
}

// See ReplayPosition: where each way of stopping at marker `index` pauses.
function markerPosition(index: number, via: 'xid' | 'time' | 'lsn' | 'name', inclusive: boolean): ReplayPosition {
  switch (via) {
    case 'xid':
      return inclusive ? { gap: index, step: 0 } : { gap: index - 1, step: 9 };
    case 'lsn':
      return { gap: index, step: inclusive ? 2 : 1 };
    case 'name':
      return { gap: index, step: 3 };
    case 'time':
      return inclusive ? { gap: index, step: TIME_INCLUSIVE_STEP } : { gap: index - 1, step: 8 };
  }
}

/** A marker by its label, or by the name a drill of an external backup gives it after its id (`<drill id>/marker-1`). */
export function markerIndex(markers: readonly MarkerRecord[], name: string): number {
  const exact = markers.findIndex((m) => m.label === name);
  return exact >= 0 ? exact : markers.findIndex((m) => m.label.endsWith(`/${name}`));
}

function ok(target: ResolvedTarget): ResolveResult {
  return { ok: true, target };
}

// Marker commit times ("YYYY-MM-DD HH:MI:SS.US+00") in microseconds; an unreadable one is a problem, never a guess.
function markerInstants(markers: readonly MarkerRecord[]): bigint[] | { problem: string } {
  const times: bigint[] = [];
  for (const marker of markers) {
    const parsed = parseInstant(marker.time);
    if (!parsed.ok) return { problem: `marker ${marker.label} has an unreadable commit time: ${parsed.problem}` };
    times.push(parsed.micros);
  }
  return times;
}
