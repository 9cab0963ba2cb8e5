// Resolving targets against the markers written after a backup: time targets to the microsecond.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markerIndex, resolveTarget, type ResolvedTarget } from '../../../src/restore/resolve-target.ts';
import { normalizeTarget } from '../../../src/scenario/normalize.ts';
import type { SourceHistory } from '../../../src/repository/history.ts';
import type { MarkerRecord } from '../../../src/source/markers.ts';
import type { Expectations } from '../../../src/expectations/capture.ts';

const DATA = { database: 'app' } as unknown as Expectations;

function marker(label: string, xid: string, time: string, lsn: string): MarkerRecord {
  return { label, xid, time, lsn, restorePoint: `recoverable-${label}`, restorePointLsn: lsn, expectations: DATA };
}

// Two markers committed 400 µs apart, inside one millisecond (as PostgreSQL prints commit times), then a third.
const HISTORY: SourceHistory = {
  formatVersion: 1, backupId: 'b', systemIdentifier: '1',
  markers: [
    marker('a', '900', '2025-03-01 10:00:00.123100+00', '0/3000100'),
    marker('b', '901', '2025-03-01 10:00:00.123500+00', '0/3000200'),
    marker('c', '902', '2025-03-01 10:00:01.000000+00', '0/3000300'),
  ],
  end: { expectations: DATA, lastCommitTime: '2025-03-01 10:00:02.000000+00', lsn: '0/3000400', lastSegment: '000000010000000000000003' },
};

function resolved(target: Parameters<typeof normalizeTarget>[0]): ResolvedTarget {
  const result = resolveTarget(normalizeTarget(target), DATA, HISTORY, '0/2000000');
  assert.ok(result.ok, result.ok ? '' : result.problem);
  return result.target;
}

test('a time between two commits less than a millisecond apart: the first is recovered, the second is not', () => {
  const between = resolved({ time: '2025-03-01T10:00:00.123300Z', inclusive: true });
  assert.deepEqual([between.markersPresent, between.markersAbsent], [['a'], ['b', 'c']]);
  assert.deepEqual(between.recovery, { kind: 'time', time: '2025-03-01T10:00:00.123300Z', inclusive: true });
  const sameInOtherZone = resolved({ time: '2025-03-01T11:00:00.123300+01:00', inclusive: true });
  assert.deepEqual([sameInOtherZone.markersPresent, sameInOtherZone.markersAbsent], [['a'], ['b', 'c']]);
  const justBefore = resolved({ time: '2025-03-01T10:00:00.123099Z', inclusive: true });
  assert.deepEqual(justBefore.markersPresent, []);
});

test('a time exactly at a marker\'s commit is that marker (whatever the offset written), inclusive or not', () => {
  const at = resolved({ time: '2025-03-01T11:00:00.1235+01:00', inclusive: true });
  assert.deepEqual([at.markersPresent, at.markersAbsent, at.expectations], [['a', 'b'], ['c'], DATA]);
  const before = resolved({ time: '2025-03-01T10:00:00.123500Z', inclusive: false });
  assert.deepEqual([before.markersPresent, before.markersAbsent], [['a'], ['b', 'c']]);
  const viaMarker = resolved({ marker: 'b', via: 'time', inclusive: true });
  assert.deepEqual(viaMarker.recovery, { kind: 'time', time: '2025-03-01 10:00:00.123500+00', inclusive: true });
});

test('an unreadable marker time is a problem of the restore, never a guess', () => {
  const broken: SourceHistory = { ...HISTORY, markers: [{ ...HISTORY.markers[0]!, time: 'yesterday' }] };
  const result = resolveTarget(normalizeTarget({ time: '2025-03-01T10:00:00Z', inclusive: true }), DATA, broken, '0/2000000');
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.problem, /marker a has an unreadable commit time/);
});

test('without a history (the record keeps none) latest says so and markers say nothing', () => {
  const result = resolveTarget(normalizeTarget({ latest: true }), DATA, null, '0/2000000');
  assert.ok(result.ok);
  assert.equal(result.target.markersPresent, null);
  assert.match(result.target.noExpectationsBecause ?? '', /its record keeps no history/);
});

test('a drill of an external backup labels its markers with its id; a target names them by their short name, an exact label first', () => {
  const drill: SourceHistory = { ...HISTORY, markers: [marker('d1/marker-1', '910', '2025-03-01 10:00:03.000000+00', '0/3000500'), marker('d1/marker-2', '911', '2025-03-01 10:00:04.000000+00', '0/3000600')] };
  const result = resolveTarget(normalizeTarget({ marker: 'marker-1', via: 'xid', inclusive: true }), DATA, drill, '0/2000000');
  assert.ok(result.ok);
  assert.deepEqual(result.target.recovery, { kind: 'xid', xid: '910', inclusive: true });
  assert.deepEqual([result.target.markersPresent, result.target.markersAbsent], [['d1/marker-1'], ['d1/marker-2']]);
  assert.equal(markerIndex([marker('x/a', '1', '', '0/1'), marker('a', '2', '', '0/2')], 'a'), 1, 'an exact label wins over a suffix');
  assert.equal(markerIndex(drill.markers, 'arker-1'), -1, 'only a whole name after the slash');
  const missing = resolveTarget(normalizeTarget({ marker: 'marker-9', via: 'xid', inclusive: true }), DATA, drill, '0/2000000');
  assert.equal(missing.ok, false);
});
