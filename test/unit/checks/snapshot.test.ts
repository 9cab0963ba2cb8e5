import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineChecks, snapshotChecks } from '../../../src/checks/snapshot.ts';
import type { SnapshotDetails } from '../../../src/repository/backup-record.ts';

const DETAILS = { name: 'snap-1', driver: 'copy', labelSha256: 'aaa', spcmapSha256: 'bbb' } as SnapshotDetails;

test('a snapshot whose volumes, label and map are as stored passes all three', () => {
  const checks = snapshotChecks(DETAILS, 1, []);
  assert.deepEqual(
    checks.map((c) => [c.id, c.status]),
    [
      ['snapshot:volumes', 'passed'],
      ['snapshot:backup-label', 'passed'],
      ['snapshot:tablespace-map', 'passed'],
    ],
  );
  assert.match(checks[0]!.message, /PGDATA and 1 tablespace\(s\) cloned from snapshot snap-1 \(copy\)/);
});

test('no tablespaces: no tablespace_map check; not a snapshot: no checks at all', () => {
  assert.deepEqual(
    snapshotChecks(DETAILS, 0, []).map((c) => c.id),
    ['snapshot:volumes', 'snapshot:backup-label'],
  );
  assert.deepEqual(snapshotChecks(undefined, 2, []), []);
});

test('a missing volume fails and stops there; a label or map that differs fails naming the stored digest', () => {
  const missing = snapshotChecks(DETAILS, 1, [{ id: 'snapshot:volumes', message: 'volume pg_tblspc/16385 missing' }]);
  assert.deepEqual(
    missing.map((c) => [c.id, c.status, c.message]),
    [['snapshot:volumes', 'failed', 'volume pg_tblspc/16385 missing']],
  );
  const label = snapshotChecks(DETAILS, 1, [{ id: 'snapshot:backup-label', message: 'backup_label differs' }]);
  assert.equal(label[1]?.status, 'failed');
  assert.equal(label[1]?.expected, 'aaa');
  const map = snapshotChecks(DETAILS, 1, [{ id: 'snapshot:tablespace-map', message: 'tablespace_map differs' }]);
  assert.equal(map[2]?.status, 'failed');
  assert.equal(map[2]?.expected, 'bbb');
});

test("an incremental chain passes when combined and fails in pg_combinebackup's words when refused", () => {
  const ids = ['full', 'inc-1', 'inc-2'];
  const combined = combineChecks(ids, []);
  assert.equal(combined[0]?.status, 'passed');
  assert.equal(combined[0]?.message, 'pg_combinebackup combined full ← inc-1 ← inc-2 into the data directory');
  const refused = combineChecks(ids, [
    { id: 'backup:combine', message: 'pg_combinebackup: error: manifest system identifier mismatch' },
  ]);
  assert.equal(refused[0]?.status, 'failed');
  assert.equal(refused[0]?.message, 'pg_combinebackup: error: manifest system identifier mismatch');
  assert.deepEqual(combineChecks([], []), []);
});
