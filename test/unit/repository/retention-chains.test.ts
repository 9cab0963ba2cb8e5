// Retention and incremental chains: a parent a kept backup needs is never removed, and the plan says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRetention } from '../../../src/repository/retention.ts';
import type { BackupRecord } from '../../../src/repository/backup-record.ts';
import { chainRecord } from './incremental-records.ts';

const NOW = new Date('2026-12-20T12:00:00Z');
const day = (n: number): string => new Date(NOW.getTime() - n * 86_400_000).toISOString();

function plan(backups: BackupRecord[], keep: number) {
  return planRetention({ backups, scenario: 'shop', archives: [], now: NOW, policy: { keep, pruneOrphanWal: false } });
}

const ids = (items: ReadonlyArray<{ record: BackupRecord }>): string[] => items.map((i) => i.record.id);

// An old full backup f1 with incrementals i1 ← i2, then a newer full f2 with i3.
const records = [
  chainRecord('a-f1', '0/2000028', { startedAt: day(9) }),
  chainRecord('b-i1', '0/4000028', { parent: 'a-f1', chain: ['a-f1'], startedAt: day(8) }),
  chainRecord('c-i2', '0/6000028', { parent: 'b-i1', chain: ['a-f1', 'b-i1'], startedAt: day(7) }),
  chainRecord('d-f2', '0/8000028', { startedAt: day(2) }),
  chainRecord('e-i3', '0/A000028', { parent: 'd-f2', chain: ['d-f2'], startedAt: day(1) }),
];

test('keeping the newest incremental keeps its whole chain, each parent with the reason', () => {
  const result = plan(records, 1);
  assert.deepEqual(ids(result.keep), ['d-f2', 'e-i3']);
  assert.deepEqual(ids(result.delete), ['a-f1', 'b-i1', 'c-i2'], 'an older chain no kept backup needs goes whole');
  assert.equal(
    result.keep[0]!.reason,
    'not among the 1 newest, but kept: kept backup e-i3 is incremental and restores only with it (a parent of a kept backup is never removed)',
  );
});

test('a kept incremental in the middle of a chain keeps what lies before it, and nothing after it', () => {
  const result = plan(records.slice(0, 3), 1);
  assert.deepEqual(ids(result.keep), ['a-f1', 'b-i1', 'c-i2']);
  assert.deepEqual(ids(result.delete), []);
  const shorter = plan(records.slice(0, 2), 1);
  assert.deepEqual(ids(shorter.keep), ['a-f1', 'b-i1']);
});

test('a backup of another scenario built on one of ours keeps it', () => {
  const foreign = chainRecord('f-x', '0/C000028', {
    parent: 'a-f1',
    chain: ['a-f1'],
    scenario: 'other',
    startedAt: day(0),
  });
  const result = plan([...records, foreign], 1);
  assert.ok(ids(result.keep).includes('a-f1'));
  assert.match(result.keep.find((k) => k.record.id === 'a-f1')!.reason, /kept backup f-x is incremental/);
  assert.deepEqual(ids(result.delete), ['b-i1', 'c-i2']);
});

test("the WAL cut follows the oldest kept backup, a chain's full backup included", () => {
  const seg = (n: number): string => `0000000100000000000000${n.toString(16).toUpperCase().padStart(2, '0')}`;
  const withSegments = records.map((r, i) => ({
    ...r,
    physical: { ...r.physical!, startSegment: seg(2 + 2 * i), stopSegment: seg(2 + 2 * i) },
  }));
  const archives = [
    {
      system: withSegments[0]!.physical!.systemIdentifier,
      files: [2, 4, 6, 8, 10].map((n) => ({ name: seg(n), size: 1 })),
    },
  ];
  const result = planRetention({
    backups: withSegments,
    scenario: 'shop',
    archives,
    now: NOW,
    policy: { keep: 1, pruneOrphanWal: false },
  });
  assert.equal(result.wal[0]!.cutSegment, seg(8), 'cut at d-f2, the full backup e-i3 needs');
});
