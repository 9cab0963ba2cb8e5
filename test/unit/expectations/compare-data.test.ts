import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareExpectations } from '../../../src/expectations/compare.ts';
import type { Expectations, TableExpectation } from '../../../src/expectations/types.ts';
import type { CheckResult } from '../../../src/run/result.ts';

const KINDS = new Set(['rowcounts', 'fingerprints']);
const expectations = (tables: TableExpectation[]): Expectations => ({
  database: 'app',
  serverVersion: '15.14',
  tables,
  sequences: [],
  largeObjects: { count: 0, fingerprint: null },
  extensions: [],
  roles: [],
  schemaObjects: [],
});
const table = (
  schema: string,
  name: string,
  rows: number,
  fingerprint: string,
  extra: Partial<TableExpectation> = {},
): TableExpectation => ({ schema, name, relkind: 'r', persistence: 'p', rows, fingerprint, ...extra });

function compare(want: TableExpectation[], got: TableExpectation[], physical = false): CheckResult[] {
  return compareExpectations(expectations(want), expectations(got), {
    exactness: 'exact',
    kinds: KINDS,
    unloggedEmpty: physical,
    durationMs: 0,
  });
}
const statusOf = (results: CheckResult[]): Record<string, string> =>
  Object.fromEntries(results.map((r) => [r.id, r.status]));

test('"a.b".c and a."b.c" are two checks each, each compared with its own restored table', () => {
  const dotted = [table('a.b', 'c', 1, '1:1'), table('a', 'b.c', 2, '2:2')];
  assert.deepEqual(statusOf(compare(dotted, dotted)), {
    'rowcount:"a.b".c': 'passed',
    'fingerprint:"a.b".c': 'passed',
    'rowcount:a."b.c"': 'passed',
    'fingerprint:a."b.c"': 'passed',
  });
  // One of them changed: only its own checks fail.
  const changed = compare(dotted, [dotted[0]!, { ...dotted[1]!, fingerprint: '3:3' }]);
  assert.deepEqual(statusOf(changed), {
    'rowcount:"a.b".c': 'passed',
    'fingerprint:"a.b".c': 'passed',
    'rowcount:a."b.c"': 'passed',
    'fingerprint:a."b.c"': 'failed',
  });
  assert.match(
    changed.find((r) => r.id === 'fingerprint:a."b.c"')!.message,
    /^a\."b\.c": table content differs from the backup although the row count matches/,
  );
});

// A tree hashed on an enum: the same six rows, in other leaves after a dump restore.
const tree = (rows: number, fingerprint: string): TableExpectation =>
  table('hostile', 'by_mood', rows, fingerprint, { relkind: 'p', leaves: ['hostile.by_mood_0', 'hostile.by_mood_1'] });
const leaves = (a: [number, string], b: [number, string]): TableExpectation[] => [
  table('hostile', 'by_mood_0', a[0], a[1], { loadedViaRoot: 'hostile.by_mood' }),
  table('hostile', 'by_mood_1', b[0], b[1], { loadedViaRoot: 'hostile.by_mood' }),
];
const backup = [tree(6, '3:3'), ...leaves([3, '1:1'], [3, '2:2'])];

test('after a dump restore a tree hashed on an enum is compared whole: rows moved between leaves pass, a changed row fails', () => {
  const moved = compare(backup, [tree(6, '3:3'), ...leaves([4, '2:0'], [2, '1:3'])]);
  assert.deepEqual(statusOf(moved), { 'rowcount:hostile.by_mood': 'passed', 'fingerprint:hostile.by_mood': 'passed' });
  assert.match(
    moved[0]!.message,
    /^hostile\.by_mood: 6 rows \(partition tree of 2 leaves: hostile\.by_mood_0, hostile\.by_mood_1; hash-partitioned on an enum, so compared as a whole/,
  );
  const changed = compare(backup, [tree(6, '3:4'), ...leaves([4, '2:1'], [2, '1:3'])]);
  assert.deepEqual(statusOf(changed), {
    'rowcount:hostile.by_mood': 'passed',
    'fingerprint:hostile.by_mood': 'failed',
  });
  assert.match(
    changed[1]!.message,
    /hostile\.by_mood: partition tree content differs from the backup although the row count matches/,
  );
  assert.equal(
    statusOf(compare(backup, [tree(5, '3:3'), ...leaves([3, '1:1'], [2, '2:2'])]))['rowcount:hostile.by_mood'],
    'failed',
  );
  assert.equal(
    statusOf(compare(backup, leaves([3, '1:1'], [3, '2:2'])))['rowcount:hostile.by_mood'],
    'failed',
    'a restore without the tree fails',
  );
});

test('after a physical restore the same tree is compared leaf by leaf (nothing moves rows there)', () => {
  assert.deepEqual(statusOf(compare(backup, backup, true)), {
    'rowcount:hostile.by_mood_0': 'passed',
    'fingerprint:hostile.by_mood_0': 'passed',
    'rowcount:hostile.by_mood_1': 'passed',
    'fingerprint:hostile.by_mood_1': 'passed',
  });
  const moved = compare(backup, [tree(6, '3:3'), ...leaves([4, '2:0'], [2, '1:3'])], true);
  assert.equal(statusOf(moved)['rowcount:hostile.by_mood_0'], 'failed');
});

// A matview over a matview that was stale in the backup: known only after the restore, as its query over the restored data.
const upper = table('hostile', 'mv_on_stale', 1, '7:7', { relkind: 'm', refreshedOverStale: ['hostile.mv_stale'] });

test('a view over a stale materialized view passes when it holds what its query gives over the restored data', () => {
  const results = compare(
    [upper],
    [table('hostile', 'mv_on_stale', 1, '8:8', { relkind: 'm', queryResult: { rows: 1, fingerprint: '8:8' } })],
  );
  assert.deepEqual(statusOf(results), {
    'rowcount:hostile.mv_on_stale': 'passed',
    'fingerprint:hostile.mv_on_stale': 'passed',
  });
  assert.equal(results[1]!.exactness, 'exact');
  assert.equal(results[1]!.expected, '8:8');
  assert.match(
    results[1]!.message,
    /content identical to its query over the restored data: it reads materialized view hostile\.mv_stale, stale in the backup, which the restore refreshes first/,
  );
});

test('a view over a stale materialized view fails when it holds something else, or nothing; errors when its query was not run', () => {
  const other = compare(
    [upper],
    [table('hostile', 'mv_on_stale', 1, '7:7', { relkind: 'm', queryResult: { rows: 1, fingerprint: '8:8' } })],
  );
  assert.deepEqual(statusOf(other), {
    'rowcount:hostile.mv_on_stale': 'passed',
    'fingerprint:hostile.mv_on_stale': 'failed',
  });
  assert.match(other[1]!.message, /differs from its query over the restored data/);
  const unpopulated = compare(
    [upper],
    [table('hostile', 'mv_on_stale', 0, 'unpopulated', { relkind: 'm', unpopulated: true })],
  );
  assert.deepEqual(statusOf(unpopulated), {
    'rowcount:hostile.mv_on_stale': 'failed',
    'fingerprint:hostile.mv_on_stale': 'failed',
  });
  assert.deepEqual(statusOf(compare([upper], [])), {
    'rowcount:hostile.mv_on_stale': 'failed',
    'fingerprint:hostile.mv_on_stale': 'failed',
  });
  const notRun = compare([upper], [table('hostile', 'mv_on_stale', 1, '8:8', { relkind: 'm' })]);
  assert.deepEqual(statusOf(notRun), {
    'rowcount:hostile.mv_on_stale': 'errored',
    'fingerprint:hostile.mv_on_stale': 'errored',
  });
});

test('fingerprints of two algorithms are never compared: equal digits or not, the check is errored, naming both', () => {
  const want = { ...expectations([table('app', 't', 1, '1:1')]), fingerprintAlgorithm: 'value-hash' as const };
  for (const got of [
    expectations([table('app', 't', 1, '1:1')]),
    { ...expectations([table('app', 't', 1, '1:1')]), fingerprintAlgorithm: 'md5-text' as const },
  ]) {
    const result = compareExpectations(want, got, {
      exactness: 'exact',
      kinds: KINDS,
      unloggedEmpty: false,
      durationMs: 0,
    }).find((r) => r.id === 'fingerprint:app.t')!;
    assert.equal(result.status, 'errored');
    assert.equal(
      result.message,
      "app.t: the backup's fingerprint is value-hash, the restored one md5-text: they cannot be compared",
    );
  }
  // Stored before the algorithm was recorded: md5-text on both sides compares as before.
  assert.equal(
    statusOf(compare([table('app', 't', 1, '1:1')], [{ ...table('app', 't', 1, '1:1') }]))['fingerprint:app.t'],
    'passed',
  );
  const same = compareExpectations(
    want,
    { ...expectations([table('app', 't', 1, '1:1')]), fingerprintAlgorithm: 'value-hash' },
    { exactness: 'exact', kinds: KINDS, unloggedEmpty: false, durationMs: 0 },
  );
  assert.equal(statusOf(same)['fingerprint:app.t'], 'passed');
  // A restored server that could not compute the backup's algorithm: errored, saying why.
  const none = compareExpectations(
    want,
    { ...expectations([{ ...table('app', 't', 1, '1:1'), fingerprint: null }]), fingerprintAlgorithm: 'value-hash' },
    { exactness: 'exact', kinds: KINDS, unloggedEmpty: false, durationMs: 0 },
  );
  assert.equal(none.find((r) => r.id === 'fingerprint:app.t')!.status, 'errored');
  assert.match(
    none.find((r) => r.id === 'fingerprint:app.t')!.message,
    /value-hash fingerprints need PostgreSQL 14 or later there/,
  );
});

// A server paused in recovery cannot read an unlogged table: its init fork, which promotion resets it from, decides.
test('an unlogged table read in recovery passes with its init fork on disk and fails without it', () => {
  const want = [table('audit', 'scratch', 12, '5:5', { persistence: 'u' })];
  const inRecovery = (initFork: 'present' | 'missing'): TableExpectation[] => [
    table('audit', 'scratch', 0, '0:0', { persistence: 'u', fingerprint: null, initFork }),
  ];
  const present = compare(want, inRecovery('present'), true);
  assert.deepEqual(statusOf(present), { 'rowcount:audit.scratch': 'passed' });
  assert.match(present[0]!.message, /read in recovery: its init fork is on disk, so promotion brings it back empty/);
  const missing = compare(want, inRecovery('missing'), true);
  assert.deepEqual(statusOf(missing), { 'rowcount:audit.scratch': 'failed' });
  assert.match(missing[0]!.message, /audit\.scratch is unlogged and its init fork is missing/);
});
