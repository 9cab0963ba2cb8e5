import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sumFingerprints, withPartitionTrees } from '../../../src/expectations/partition-trees.ts';
import type { TableExpectation } from '../../../src/expectations/types.ts';

const leaf = (name: string, rows: number, fingerprint: string | null): TableExpectation => ({
  schema: 'hostile',
  name,
  relkind: 'r',
  persistence: 'p',
  rows,
  fingerprint,
});

test('fingerprints of disjoint row sets add up half by half; one missing makes the sum unknown', () => {
  assert.equal(sumFingerprints(['1:2', '-3:40', '0:0']), '-2:42');
  assert.equal(sumFingerprints(['9223372036854775807:1', '9223372036854775807:1']), '18446744073709551614:2');
  assert.equal(sumFingerprints(['1:2', null]), null);
  assert.equal(sumFingerprints([]), '0:0');
});

test('a tree entry goes before its first leaf with its leaves summed; its leaves name it, other tables are untouched', () => {
  const tables = [
    leaf('a_table', 1, '5:5'),
    leaf('by_mood_0', 3, '1:1'),
    leaf('by_mood_1', 0, '0:0'),
    leaf('by_mood_2', 3, '2:-4'),
    leaf('z', 2, '7:7'),
  ];
  const roots = new Map(
    ['by_mood_0', 'by_mood_1', 'by_mood_2'].map((n) => [`hostile.${n}`, { schema: 'hostile', name: 'by_mood' }]),
  );
  const result = withPartitionTrees(tables, roots);
  assert.deepEqual(
    result.map((t) => `${t.relkind} ${t.name}`),
    ['r a_table', 'p by_mood', 'r by_mood_0', 'r by_mood_1', 'r by_mood_2', 'r z'],
  );
  const tree = result[1]!;
  assert.deepEqual(
    { rows: tree.rows, fingerprint: tree.fingerprint, leaves: tree.leaves },
    { rows: 6, fingerprint: '3:-3', leaves: ['hostile.by_mood_0', 'hostile.by_mood_1', 'hostile.by_mood_2'] },
  );
  assert.deepEqual(
    result.map((t) => t.loadedViaRoot),
    [undefined, undefined, 'hostile.by_mood', 'hostile.by_mood', 'hostile.by_mood', undefined],
  );
  // The same rows spread over the leaves another way give the same tree.
  const moved = withPartitionTrees(
    [leaf('by_mood_0', 4, '2:0'), leaf('by_mood_1', 1, '0:-3'), leaf('by_mood_2', 1, '1:0')],
    roots,
  );
  assert.deepEqual([moved[0]!.rows, moved[0]!.fingerprint], [6, '3:-3']);
});
