// backup.json is trusted as a record of its method only when that method's details are present, and no other's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRecord } from '../../../src/repository/record-reader.ts';
import { BackupUnusableError } from '../../../src/core/errors.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

const FILE = '/repo/backups/20250101T000000Z-aaaaaa/backup.json';
const common = {
  formatVersion: 2,
  id: '20250101T000000Z-aaaaaa',
  scenario: 'shop',
  startedAt: '2025-01-01T00:00:00Z',
  finishedAt: '2025-01-01T00:00:01Z',
  durationMs: 1000,
  sizeBytes: 10,
  source: { kind: 'managed', major: 15, serverVersion: '15.8', database: 'app' },
  expectationsFile: null,
  historyFile: null,
};
// The checker looks only at which details are there, so a marker object stands for each.
const details = { dump: { dumpDir: 'dump' }, physical: { dataDir: 'data' }, snapshot: { name: 's' }, external: {} };
const sound = {
  dump: { ...common, method: 'dump', dump: details.dump },
  basebackup: { ...common, method: 'basebackup', physical: details.physical },
  snapshot: { ...common, method: 'snapshot', physical: details.physical, snapshot: details.snapshot },
  external: { ...common, method: 'external', physical: details.physical, external: details.external },
};

function corruption(value: unknown): BackupUnusableError {
  try {
    checkRecord(value, FILE);
  } catch (error) {
    assert.ok(error instanceof BackupUnusableError, String(error));
    return error;
  }
  assert.fail('the record was accepted');
}

test('a record of each method with its details is read as it is', () => {
  for (const record of Object.values(sound)) assert.equal(checkRecord(record, FILE), record);
});

test("a record without its method's details is corrupt: the error names the file, the method, the details and the fix", () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ...sound.basebackup, physical: undefined }, /says method basebackup but lacks its "physical" details/],
    [{ ...sound.dump, dump: null }, /says method dump but lacks its "dump" details/],
    [{ ...sound.snapshot, snapshot: undefined }, /says method snapshot but lacks its "snapshot" details/],
    [{ ...sound.snapshot, physical: 'data' }, /says method snapshot but lacks its "physical" details/],
    [
      { ...sound.external, physical: undefined, external: undefined },
      /says method external but lacks its "physical" and "external" details/,
    ],
  ];
  for (const [value, problem] of cases) {
    const error = corruption(value);
    assert.match(error.message, problem);
    assert.ok(error.message.startsWith(`the backup record ${FILE} is corrupt: `), error.message);
    assert.equal(error.code, 'backup-unusable');
    assert.equal(exitCodeOf(error.category), 1);
    assert.match(error.hint ?? '', /move its directory out of the repository/);
  }
});

test("a record carrying another method's details is corrupt", () => {
  assert.match(
    corruption({ ...sound.dump, physical: details.physical }).message,
    /says method dump but carries "physical" details, which only another method has/,
  );
  assert.match(
    corruption({ ...sound.basebackup, snapshot: details.snapshot, external: details.external }).message,
    /says method basebackup but carries "snapshot" and "external" details/,
  );
});

test('an unknown or missing method, or a record that is not an object, is corrupt', () => {
  assert.match(
    corruption({ ...common, method: 'tarball' }).message,
    /its method "tarball" is none of dump, basebackup/,
  );
  assert.match(corruption({ ...common }).message, /its method undefined is none of/);
  assert.match(corruption({ ...common, method: 'constructor' }).message, /its method "constructor" is none of/);
  assert.match(corruption([sound.dump]).message, /it is not a JSON object/);
  assert.match(corruption(null).message, /it is not a JSON object/);
});
