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
  formatVersion: 1,
  backupId: 'b',
  systemIdentifier: '1',
  markers: [
    marker('a', '900', '2025-03-01 10:00:00.123100+00', '0/3000100'),
    marker('b', '901', '2025-03-01 10:00:00.123500+00', '0/3000200'),
    marker('c', '902', '2025-03-01 10:00:01.000000+00', '0/3000300'),
  ],
  end: {
    expectations: DATA,
    lastCommitTime: '2025-03-01 10:00:02.000000+00',
    lsn: '0/3000400',
    lastSegment: '000000010000000000000003',
  },
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

test("a time exactly at a marker's commit is that marker (whatever the offset written), inclusive or not", () => {
  const at = resolved({ time: '2025-03-01T11:00:00.1235+01:00', inclusive: true });
  assert.deepEqual([at.markersPresent, at.markersAbsent, at.expectations], [['a', 'b'], ['c'], DATA]);
  const before = resolved({ time: '2025-03-01T10:00:00.123500Z', inclusive: false });
  assert.deepEqual([before.markersPresent, before.markersAbsent], [['a'], ['b', 'c']]);
  const viaMarker = resolved({ marker: 'b', via: 'time', inclusive: true });
  assert.deepEqual(viaMarker.recovery, { kind: 'time', time: '2025-03-01 10:00:00.123500+00', inclusive: true });
});

test('an unreadable marker time is a problem of the restore, never a guess', () => {
  const broken: SourceHistory = { ...HISTORY, markers: [{ ...HISTORY.markers[0]!, time: 'yesterday' }] };
  const result = resolveTarget(
    normalizeTarget({ time: '2025-03-01T10:00:00Z', inclusive: true }),
    DATA,
    broken,
    '0/2000000',
  );
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.problem, /marker a has an unreadable commit time/);
});

test('without a history (the record keeps none) latest says so and markers say nothing', () => {
  const result = resolveTarget(normalizeTarget({ latest: true }), DATA, null, '0/2000000');
  assert.ok(result.ok);
  assert.equal(result.target.markersPresent, null);
  assert.match(result.target.noExpectationsBecause ?? '', /its record keeps no history/);
});

const resolveOn = (
  target: Parameters<typeof normalizeTarget>[0],
  history: SourceHistory | null = HISTORY,
  backup: Expectations | null = DATA,
): ResolvedTarget => {
  const result = resolveTarget(normalizeTarget(target), backup, history, '0/2000000');
  assert.ok(result.ok, result.ok ? '' : result.problem);
  return result.target;
};

test("immediate: the backup's own data, every later marker absent, the archive continuous to the backup's stop", () => {
  const at = resolveOn({ immediate: true });
  assert.deepEqual(
    [at.recovery, at.markersPresent, at.markersAbsent, at.endLsn, at.expectations],
    [{ kind: 'immediate' }, [], ['a', 'b', 'c'], '0/2000000', DATA],
  );
  const moving = resolveOn({ immediate: true }, HISTORY, null);
  assert.equal(moving.expectations, null);
  assert.match(moving.noExpectationsBecause ?? '', /the source kept changing while the backup ran/);
  assert.deepEqual(
    [resolveOn({ immediate: true }, null).markersPresent, resolveOn({ immediate: true }, null).markersAbsent],
    [null, null],
  );
});

test('latest: every marker present, the data at the end of the history, the archive continuous to its end', () => {
  const at = resolveOn({ latest: true });
  assert.deepEqual(
    [at.recovery, at.markersPresent, at.markersAbsent, at.endLsn, at.expectations],
    [{ kind: 'latest' }, ['a', 'b', 'c'], [], '0/3000400', DATA],
  );
});

test('a marker via xid or time is present when inclusive and absent when not; via LSN or name it is always present', () => {
  const split = (t: ResolvedTarget): [string[] | null, string[] | null] => [t.markersPresent, t.markersAbsent];
  assert.deepEqual(split(resolveOn({ marker: 'b', via: 'xid', inclusive: true })), [['a', 'b'], ['c']]);
  assert.deepEqual(split(resolveOn({ marker: 'b', via: 'xid', inclusive: false })), [['a'], ['b', 'c']]);
  assert.deepEqual(resolveOn({ marker: 'b', via: 'xid', inclusive: false }).recovery, {
    kind: 'xid',
    xid: '901',
    inclusive: false,
  });
  assert.deepEqual(split(resolveOn({ marker: 'b', via: 'time', inclusive: false })), [['a'], ['b', 'c']]);
  assert.deepEqual(
    split(resolveOn({ marker: 'b', via: 'lsn', inclusive: false })),
    [['a', 'b'], ['c']],
    "the marker's LSN is after its commit",
  );
  const byName = resolveOn({ marker: 'c', via: 'name', inclusive: true });
  assert.deepEqual(
    [byName.recovery, ...split(byName), byName.endLsn, byName.expectations],
    [{ kind: 'name', name: 'recoverable-c' }, ['a', 'b', 'c'], [], '0/3000300', DATA],
  );
});

test('an unknown marker is a problem naming the markers there are, or that the record keeps no history', () => {
  const unknown = resolveTarget(
    normalizeTarget({ marker: 'zz', via: 'name', inclusive: true }),
    DATA,
    HISTORY,
    '0/2000000',
  );
  assert.equal(unknown.ok, false);
  assert.match(unknown.ok ? '' : unknown.problem, /marker "zz" was not written after this backup \(markers: a, b, c\)/);
  const none = resolveTarget(normalizeTarget({ marker: 'a', via: 'name', inclusive: true }), DATA, null, '0/2000000');
  assert.match(none.ok ? '' : none.problem, /its record keeps no history/);
});

test("a name, xid or LSN that is a marker's is resolved as that marker; otherwise it recovers without exact data, saying why", () => {
  assert.deepEqual(resolveOn({ name: 'recoverable-b' }).markersPresent, ['a', 'b']);
  assert.deepEqual(resolveOn({ xid: 902, inclusive: false }).markersPresent, ['a', 'b']);
  assert.deepEqual(resolveOn({ lsn: '0/3000200', inclusive: true }).expectations, DATA);
  const foreign = resolveOn({ name: 'nightly' });
  assert.deepEqual(
    [foreign.recovery, foreign.expectations, foreign.markersPresent, foreign.endLsn],
    [{ kind: 'name', name: 'nightly' }, null, null, null],
  );
  assert.match(foreign.noExpectationsBecause ?? '', /restore point "nightly" is not one Recoverable created/);
  const xid = resolveOn({ xid: 950, inclusive: true });
  assert.deepEqual([xid.recovery, xid.expectations], [{ kind: 'xid', xid: '950', inclusive: true }, null]);
  assert.match(xid.noExpectationsBecause ?? '', /transaction 950 is not a marker/);
});

test('an LSN between markers recovers the ones before it; the LSN is compared as a number, however it is spelled', () => {
  const between = resolveOn({ lsn: '0/3000250', inclusive: true });
  assert.deepEqual(
    [between.markersPresent, between.markersAbsent, between.expectations, between.endLsn],
    [['a', 'b'], ['c'], null, '0/3000250'],
  );
  assert.deepEqual(resolveOn({ lsn: '0/2FFFFFF', inclusive: true }).markersPresent, []);
  const padded = resolveOn({ lsn: '0/03000200', inclusive: true });
  assert.deepEqual(
    [padded.markersPresent, padded.expectations],
    [['a', 'b'], DATA],
    'PostgreSQL 18 spells it 0/03000200: still marker b',
  );
  assert.deepEqual(
    resolveOn({ lsn: '0/3000250', inclusive: true }, null).markersPresent,
    null,
    'without a history markers say nothing',
  );
});

test('a time target between markers without a history says nothing about markers', () => {
  const at = resolveOn({ time: '2025-03-01T10:00:00.5Z', inclusive: true }, null);
  assert.deepEqual([at.markersPresent, at.markersAbsent, at.expectations], [null, null, null]);
  assert.match(at.noExpectationsBecause ?? '', /is not a marker's commit time/);
});

test('a drill of an external backup labels its markers with its id; a target names them by their short name, an exact label first', () => {
  const drill: SourceHistory = {
    ...HISTORY,
    markers: [
      marker('d1/marker-1', '910', '2025-03-01 10:00:03.000000+00', '0/3000500'),
      marker('d1/marker-2', '911', '2025-03-01 10:00:04.000000+00', '0/3000600'),
    ],
  };
  const result = resolveTarget(
    normalizeTarget({ marker: 'marker-1', via: 'xid', inclusive: true }),
    DATA,
    drill,
    '0/2000000',
  );
  assert.ok(result.ok);
  assert.deepEqual(result.target.recovery, { kind: 'xid', xid: '910', inclusive: true });
  assert.deepEqual([result.target.markersPresent, result.target.markersAbsent], [['d1/marker-1'], ['d1/marker-2']]);
  assert.equal(
    markerIndex([marker('x/a', '1', '', '0/1'), marker('a', '2', '', '0/2')], 'a'),
    1,
    'an exact label wins over a suffix',
  );
  assert.equal(markerIndex(drill.markers, 'arker-1'), -1, 'only a whole name after the slash');
  const missing = resolveTarget(
    normalizeTarget({ marker: 'marker-9', via: 'xid', inclusive: true }),
    DATA,
    drill,
    '0/2000000',
  );
  assert.equal(missing.ok, false);
});
