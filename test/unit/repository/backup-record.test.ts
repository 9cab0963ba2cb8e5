// A record narrows by method: isPhysical for the steps of physical backups, requirePhysical where a dump is a defect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPhysical, requirePhysical, type BackupRecord } from '../../../src/repository/backup-record.ts';
import { RecoverableError } from '../../../src/core/errors.ts';
import { isPhysicalBackup } from '../../../src/repository/local-repository.ts';
import { chainRecord, dumpDetails } from './incremental-records.ts';

const basebackup = chainRecord('20250101T000000Z-aaaaaa', '0/2000028');
const { physical, ...common } = basebackup;
const dump: BackupRecord = {
  ...common,
  id: '20250101T000000Z-bbbbbb',
  method: 'dump',
  dump: dumpDetails('17.7'),
};
const external: BackupRecord = {
  ...basebackup,
  method: 'external',
  external: { restoreCommand: 'true', restoreWal: 'true', timeoutMs: 1000, recordedAtLsn: '0/2000028' },
};

test('basebackup, snapshot and external records are physical; a dump is not', () => {
  assert.equal(isPhysical(basebackup), true);
  assert.equal(isPhysical(external), true);
  assert.equal(isPhysical(dump), false);
});

test("requirePhysical hands back a physical record's details and names a dump given to it as a defect", () => {
  assert.equal(requirePhysical(external), physical);
  assert.throws(
    () => requirePhysical(dump),
    (error: unknown) =>
      error instanceof RecoverableError &&
      error.code === 'internal' &&
      error.message === 'backup 20250101T000000Z-bbbbbb is a dump, but a step of physical backups was given it',
  );
});

test('isPhysicalBackup narrows a stored backup by its record', () => {
  assert.equal(isPhysicalBackup({ record: external, dir: '/r/backups/a' }), true);
  assert.equal(isPhysicalBackup({ record: dump, dir: '/r/backups/b' }), false);
});
