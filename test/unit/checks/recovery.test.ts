import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRecovery, recoveryChecks, type RecoveryFacts } from '../../../src/checks/recovery.ts';
import { readRecoveryLog } from '../../../src/restore/recovery-proof.ts';

const SOUND_LOG = [
  'LOG:  starting backup recovery with redo LSN 0/2000028, checkpoint LSN 0/2000080, on timeline ID 1',
  'LOG:  starting point-in-time recovery to earliest consistent point',
  'LOG:  redo starts at 0/2000028',
  'LOG:  consistent recovery state reached at 0/2000100',
  'LOG:  recovery stopping after reaching consistency',
].join('\n');

function facts(over: Partial<RecoveryFacts> = {}): RecoveryFacts {
  return {
    evidence: readRecoveryLog(SOUND_LOG),
    neutralised: [],
    backupLabelPresent: true,
    labelRedo: '0/2000028',
    labelRenamed: true,
    checksums: { ok: true, output: 'Bad checksums:  0' },
    failure: null,
    ...over,
  };
}
const ON = { dataChecksums: true, checksumsRan: true };
const byId = (checks: ReturnType<typeof recoveryChecks>, id: string) => checks.find((c) => c.id === id);

test('a sound backup recovery to immediate passes every check, each naming both sides', () => {
  const checks = recoveryChecks(facts(), { kind: 'immediate' }, ON, false);
  assert.deepEqual(
    checks.map((c) => [c.id, c.status]),
    [
      ['backup:standby-signal', 'passed'],
      ['recovery:backup-label', 'passed'],
      ['recovery:target', 'passed'],
      ['checksums', 'passed'],
    ],
  );
  assert.equal(byId(checks, 'recovery:target')?.expected, 'immediate');
  assert.match(byId(checks, 'recovery:backup-label')!.message, /starting backup recovery/);
});

test('a standby.signal in the backup fails, unless the snapshot was taken from a standby', () => {
  const signalled = facts({ neutralised: ['standby.signal'] });
  assert.equal(
    byId(recoveryChecks(signalled, { kind: 'immediate' }, ON, false), 'backup:standby-signal')?.status,
    'failed',
  );
  assert.equal(
    byId(recoveryChecks(signalled, { kind: 'immediate' }, ON, true), 'backup:standby-signal')?.status,
    'passed',
  );
  assert.equal(
    byId(
      recoveryChecks(facts({ neutralised: ['primary_conninfo'] }), { kind: 'immediate' }, ON, false),
      'backup:standby-signal',
    )?.status,
    'passed',
  );
});

test('crash recovery instead of backup recovery fails, saying whether the label was missing or ignored', () => {
  const noBackupLine = readRecoveryLog(
    SOUND_LOG.split('\n')
      .filter((l) => !/backup recovery/.test(l))
      .join('\n'),
  );
  const missing = byId(
    recoveryChecks(
      facts({ evidence: noBackupLine, backupLabelPresent: false, labelRenamed: false }),
      { kind: 'immediate' },
      ON,
      false,
    ),
    'recovery:backup-label',
  );
  assert.equal(missing?.status, 'failed');
  assert.equal(missing?.actual, 'crash recovery');
  const ignored = byId(
    recoveryChecks(facts({ evidence: noBackupLine, labelRenamed: false }), { kind: 'immediate' }, ON, false),
    'recovery:backup-label',
  );
  assert.equal(ignored?.actual, 'not logged');
  // Before 15: the renamed label and redo from its START WAL LOCATION prove the label was used.
  assert.equal(
    byId(recoveryChecks(facts({ evidence: noBackupLine }), { kind: 'immediate' }, ON, false), 'recovery:backup-label')
      ?.status,
    'passed',
  );
  // A server that never began recovering says nothing about its label.
  assert.equal(
    byId(
      recoveryChecks(
        facts({ evidence: readRecoveryLog(''), failure: 'did not start' }),
        { kind: 'immediate' },
        ON,
        false,
      ),
      'recovery:backup-label',
    ),
    undefined,
  );
});

test('a stop elsewhere than the target fails; a failed recovery quotes the server', () => {
  const wrongStop = byId(recoveryChecks(facts(), { kind: 'name', name: 'before-drop' }, ON, false), 'recovery:target');
  assert.equal(wrongStop?.status, 'failed');
  assert.equal(wrongStop?.expected, 'restore point before-drop');
  const notReached = readRecoveryLog(
    `${SOUND_LOG}\nFATAL:  recovery ended before configured recovery target was reached`,
  );
  const failed = byId(
    recoveryChecks(facts({ evidence: notReached, failure: 'server exited' }), { kind: 'immediate' }, ON, false),
    'recovery:target',
  );
  assert.equal(failed?.status, 'failed');
  assert.match(failed!.message, /target not reached: the server said "FATAL: recovery ended before/);
  const otherFailure = byId(
    recoveryChecks(facts({ failure: 'could not open file' }), { kind: 'immediate' }, ON, false),
    'recovery:target',
  );
  assert.equal(otherFailure?.message, 'recovery failed: could not open file');
});

test('bad blocks fail the checksum check; without checksums or pg_checksums it is skipped, never passed', () => {
  const bad = byId(
    recoveryChecks(
      facts({
        checksums: {
          ok: false,
          output: 'pg_checksums: error: checksum verification failed in file "base/5/16384"\nBad checksums:  1',
        },
      }),
      { kind: 'immediate' },
      ON,
      false,
    ),
    'checksums',
  );
  assert.equal(bad?.status, 'failed');
  assert.match(bad!.message, /checksum verification failed.*\| Bad checksums: {2}1/);
  assert.equal(
    byId(
      recoveryChecks(facts(), { kind: 'immediate' }, { dataChecksums: false, checksumsRan: true }, false),
      'checksums',
    )?.status,
    'skipped',
  );
  assert.equal(
    byId(
      recoveryChecks(facts(), { kind: 'immediate' }, { dataChecksums: true, checksumsRan: false }, false),
      'checksums',
    )?.status,
    'skipped',
  );
});

test('recovery targets are named as the reports show them', () => {
  assert.equal(describeRecovery({ kind: 'latest' }), 'latest');
  assert.equal(describeRecovery({ kind: 'xid', xid: '742', inclusive: false }), 'xid 742 (exclusive)');
  assert.equal(describeRecovery({ kind: 'lsn', lsn: '0/3000000', inclusive: true }), 'lsn 0/3000000 (inclusive)');
  assert.equal(
    describeRecovery({ kind: 'time', time: '2026-01-01T00:00:00Z', inclusive: true }),
    'time 2026-01-01T00:00:00Z (inclusive)',
  );
});
