// Which targets share a copy, in which order: sorted by where replay pauses, a promoted target ends its copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsPromotion, planReplay, type ReplayCandidate } from '../../../src/drill/replay-groups.ts';
import { resolveTarget } from '../../../src/restore/resolve-target.ts';
import { normalizeTarget } from '../../../src/scenario/normalize.ts';
import type { SourceHistory } from '../../../src/repository/history.ts';
import type { MarkerRecord } from '../../../src/source/markers.ts';
import type { Expectations } from '../../../src/expectations/capture.ts';
import type { CheckSpec } from '../../../src/scenario/types.ts';

const DATA = { database: 'app', tables: [], sequences: [] } as unknown as Expectations;

function marker(label: string, n: number): MarkerRecord {
  const lsn = `0/${(0x3000000 + n * 0x100).toString(16).toUpperCase()}`;
  return {
    label,
    xid: String(900 + n),
    time: `2025-03-01 10:00:0${n}.000000+00`,
    lsn,
    restorePoint: `recoverable-${label}`,
    restorePointLsn: lsn,
    expectations: DATA,
  };
}

const HISTORY: SourceHistory = {
  formatVersion: 1,
  backupId: 'b',
  systemIdentifier: '1',
  markers: [marker('a', 1), marker('b', 2), marker('c', 3)],
  end: {
    expectations: DATA,
    lastCommitTime: '2025-03-01 10:00:09.000000+00',
    lsn: '0/3000900',
    lastSegment: '000000010000000000000003',
  },
};

const READ_ONLY: CheckSpec[] = [{ kind: 'rowcounts' }, { kind: 'fingerprints' }, { kind: 'schema' }];

type Written = string | Record<string, unknown>;

// A target as written in a scenario, with the schema's defaults (via xid, inclusive).
function withDefaults(raw: Written): Parameters<typeof normalizeTarget>[0] {
  if (typeof raw === 'string') return raw as Parameters<typeof normalizeTarget>[0];
  const defaults = 'marker' in raw ? { via: 'xid', inclusive: true } : 'name' in raw ? {} : { inclusive: true };
  return { ...defaults, ...raw } as Parameters<typeof normalizeTarget>[0];
}

function candidates(raw: Written[], checks = READ_ONLY): ReplayCandidate[] {
  return raw.map((r) => {
    const target = normalizeTarget(withDefaults(r));
    const resolved = resolveTarget(target, DATA, HISTORY, '0/2000000');
    return { target, checks, resolved: resolved.ok ? resolved.target : null };
  });
}

const labels = (c: ReplayCandidate[], copies: number[][]): string[][] =>
  copies.map((copy) => copy.map((i) => c[i]!.target.label));

test('targets at markers, immediate and latest replay on one copy in the order of the WAL, whatever order they are written in', () => {
  const c = candidates([
    'latest',
    { marker: 'b', via: 'time' },
    { name: 'recoverable-c' },
    { marker: 'a' },
    'immediate',
    { marker: 'b', via: 'lsn' },
    { marker: 'a', inclusive: false },
    { marker: 'b', via: 'time', inclusive: false },
  ]);
  const plan = planReplay(c, null);
  assert.deepEqual(labels(c, plan.copies), [
    [
      'immediate',
      'marker:a (exclusive)',
      'marker:a',
      'marker:b via time (exclusive)',
      'marker:b via lsn',
      'marker:b via time',
      'name:recoverable-c',
      'latest',
    ],
  ]);
  assert.deepEqual(plan.alone, []);
});

test('at one marker: right after its commit, before then after the first record at its LSN, its restore point, then its time', () => {
  const c = candidates([
    { marker: 'b', via: 'time' },
    { marker: 'b', via: 'name' },
    { marker: 'b', via: 'lsn' },
    { marker: 'b', via: 'lsn', inclusive: false },
    { marker: 'b' },
    { marker: 'c', inclusive: false },
    { marker: 'c', via: 'time', inclusive: false },
  ]);
  assert.deepEqual(labels(c, planReplay(c, null).copies), [
    [
      'marker:b',
      'marker:b via lsn (exclusive)',
      'marker:b via lsn',
      'marker:b via name',
      'marker:b via time',
      'marker:c via time (exclusive)',
      'marker:c (exclusive)',
    ],
  ]);
});

test('a target that needs a promoted server ends its copy; the targets after it start another', () => {
  const c = candidates(['immediate', { marker: 'a', checks: ['amcheck'] }, { marker: 'b' }, 'latest']);
  const plan = planReplay(c, null);
  assert.deepEqual(labels(c, plan.copies), [
    ['immediate', 'marker:a'],
    ['marker:b', 'latest'],
  ]);
  assert.equal(plan.alone.length, 0);
});

test('amcheck or sql on every target: each on a copy of its own, and the log says why', () => {
  for (const check of [
    { kind: 'amcheck', heapallindexed: true },
    { kind: 'sql', query: 'select 1', expect: 1, name: 'one' },
  ] as CheckSpec[]) {
    const c = candidates(['immediate', { marker: 'a' }, 'latest'], [...READ_ONLY, check]);
    const plan = planReplay(c, null);
    assert.deepEqual(labels(c, plan.copies), [['immediate'], ['marker:a'], ['latest']]);
    assert.deepEqual(
      plan.alone.map((a) => c[a.index]!.target.label),
      ['immediate', 'marker:a', 'latest'],
    );
    assert.match(plan.alone[2]!.why, new RegExp(`marker:a, just before it, needs a promoted server`));
  }
});

test('a target whose stop is known only when replay gets there, or that did not resolve, gets a copy of its own', () => {
  const c = candidates(['immediate', { xid: 12345 }, { lsn: '0/3000180' }, { marker: 'zz' }, 'latest']);
  const plan = planReplay(c, null);
  assert.deepEqual(labels(c, plan.copies), [['immediate', 'latest'], ['xid:12345'], ['lsn:0/3000180'], ['marker:zz']]);
  assert.match(plan.alone.find((a) => a.index === 1)!.why, /known only once it stops/);
  assert.match(plan.alone.find((a) => a.index === 3)!.why, /did not resolve/);
});

test('a drill-wide reason (an upgrade, a fault hook) gives every target a copy of its own', () => {
  const c = candidates(['immediate', { marker: 'a' }, 'latest']);
  const plan = planReplay(c, 'a fault hook writes into every restore');
  assert.deepEqual(plan.copies, [[0], [1], [2]]);
  assert.equal(plan.alone.length, 3);
  assert.deepEqual(planReplay(candidates(['latest']), null), { copies: [[0]], alone: [] });
});

test('unlogged tables are read in recovery through their init forks; an unlogged sequence needs promotion', () => {
  const [target] = candidates([{ marker: 'a' }]);
  const withTable = {
    ...target!,
    resolved: {
      ...target!.resolved!,
      expectations: { ...DATA, tables: [{ schema: 's', name: 't', persistence: 'u' }] } as unknown as Expectations,
    },
  };
  assert.equal(needsPromotion(withTable), null);
  const withSequence = {
    ...target!,
    resolved: {
      ...target!.resolved!,
      expectations: { ...DATA, sequences: [{ schema: 's', name: 'q', persistence: 'u' }] } as unknown as Expectations,
    },
  };
  assert.match(needsPromotion(withSequence) ?? '', /unlogged sequence/);
});

test('on a live source a time target does not follow the LSN or restore point of its own marker on one copy', () => {
  const c = candidates([
    { marker: 'b', via: 'name' },
    { marker: 'b', via: 'time' },
    { marker: 'a' },
    { marker: 'c', via: 'time' },
    'latest',
  ]);
  // Managed: nothing commits beside a marker, so its time stop is after its restore point.
  assert.deepEqual(labels(c, planReplay(c, null).copies), [
    ['marker:a', 'marker:b via name', 'marker:b via time', 'marker:c via time', 'latest'],
  ]);
  const live = planReplay(c, null, { liveSource: true });
  assert.deepEqual(labels(c, live.copies), [
    ['marker:a', 'marker:b via name'],
    ['marker:b via time', 'marker:c via time', 'latest'],
  ]);
  assert.match(live.alone.find((a) => a.index === 1)!.why, /another commit may come before the marker:b via time stop/);
});
