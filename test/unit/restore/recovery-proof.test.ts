// What the server log proves about a recovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  labelUsedBefore15,
  readRecoveryLog,
  stopMatchesTarget,
  targetNotReached,
  type RecoveryEvidence,
} from '../../../src/restore/recovery-proof.ts';

test('before 15, backup_label is proven used only by its rename and redo starting at its START WAL LOCATION, both', () => {
  const log =
    '2026-12-02 06:29:31 UTC [1] LOG:  starting archive recovery\n2026-12-02 06:29:31 UTC [1] LOG:  redo starts at 0/2000028\n';
  const evidence = readRecoveryLog(log);
  assert.equal(evidence.redoStarts, 'redo starts at 0/2000028');
  assert.match(
    labelUsedBefore15(evidence, '0/2000028', true) ?? '',
    /renamed backup_label to backup_label\.old and "redo starts at 0\/2000028"/,
  );
  assert.equal(labelUsedBefore15(evidence, '0/2000028', false), null, 'not renamed: the label was not read');
  assert.equal(
    labelUsedBefore15(evidence, '0/3000028', true),
    null,
    'redo elsewhere: crash recovery from the last checkpoint',
  );
  assert.equal(
    labelUsedBefore15(readRecoveryLog('LOG:  redo starts at 0/20000280\n'), '0/2000028', true),
    null,
    'a longer LSN is another LSN',
  );
  assert.equal(labelUsedBefore15(evidence, null, true), null);
});

// A PostgreSQL 15 point-in-time recovery log, as the server writes it (log_line_prefix '%m [%p] ').
const PITR_LOG = [
  '2026-12-02 06:29:31.101 UTC [71] LOG:  starting point-in-time recovery to XID 901',
  '2026-12-02 06:29:31.102 UTC [71] LOG:  starting backup recovery with redo LSN 0/2000028, checkpoint LSN 0/2000060, on timeline ID 1',
  '2026-12-02 06:29:31.110 UTC [71] LOG:  redo starts at 0/2000028',
  '2026-12-02 06:29:31.111 UTC [70] FATAL:  the database system is starting up',
  '2026-12-02 06:29:31.120 UTC [71] LOG:  consistent recovery state reached at 0/2000138',
  '2026-12-02 06:29:31.130 UTC [71] LOG:  recovery stopping after commit of transaction 901, time 2026-12-02 06:20:00.123456+00',
  '2026-12-02 06:29:31.131 UTC [71] LOG:  pausing at the end of recovery',
  '',
].join('\n');

test('readRecoveryLog picks each recovery line without its prefix, and ignores the start-up noise of clients', () => {
  const evidence = readRecoveryLog(PITR_LOG);
  assert.equal(evidence.started, 'starting point-in-time recovery to XID 901');
  assert.equal(
    evidence.backupRecovery,
    'starting backup recovery with redo LSN 0/2000028, checkpoint LSN 0/2000060, on timeline ID 1',
  );
  assert.equal(evidence.consistent, 'consistent recovery state reached at 0/2000138');
  assert.equal(
    evidence.stopping,
    'recovery stopping after commit of transaction 901, time 2026-12-02 06:20:00.123456+00',
  );
  assert.deepEqual(
    evidence.fatal,
    [],
    '"the database system is starting up" is a client refused during start-up, not a recovery failure',
  );
  const failed = readRecoveryLog(
    '2026-12-02 06:29:31 UTC [71] LOG:  redo done at 0/3000100\n2026-12-02 06:29:31 UTC [71] FATAL:  recovery ended before configured recovery target was reached\n2026-12-02 06:29:32 UTC [70] PANIC:  could not locate a valid checkpoint record\n',
  );
  assert.deepEqual(failed.fatal, [
    'FATAL: recovery ended before configured recovery target was reached',
    'PANIC: could not locate a valid checkpoint record',
  ]);
  assert.equal(targetNotReached(failed), 'FATAL: recovery ended before configured recovery target was reached');
  assert.equal(targetNotReached(evidence), null);
  assert.deepEqual(failed.completed, ['redo done at 0/3000100']);
});

const stopping = (line: string | null): RecoveryEvidence => ({ ...readRecoveryLog(''), stopping: line });

test('an xid target is proven only by a stop on that transaction, after it when inclusive and before it when not', () => {
  const inclusive = { kind: 'xid', xid: '901', inclusive: true } as const;
  const exclusive = { ...inclusive, inclusive: false } as const;
  assert.equal(
    stopMatchesTarget(
      inclusive,
      stopping('recovery stopping after commit of transaction 901, time 2026-12-02 06:20:00+00'),
    ),
    null,
  );
  assert.equal(
    stopMatchesTarget(
      exclusive,
      stopping('recovery stopping before commit of transaction 901, time 2026-12-02 06:20:00+00'),
    ),
    null,
  );
  assert.match(
    stopMatchesTarget(exclusive, stopping('recovery stopping after commit of transaction 901, time x')) ?? '',
    /expected "recovery stopping before commit \(or abort\) of transaction 901, \.\.\."/,
    'inclusive ignored is caught',
  );
  assert.match(
    stopMatchesTarget(inclusive, stopping('recovery stopping after commit of transaction 9012, time x')) ?? '',
    /expected/,
    'another transaction whose id starts alike',
  );
  assert.match(stopMatchesTarget(inclusive, stopping(null)) ?? '', /the log says nothing about stopping/);
});

test('an xid target of a transaction that rolled back is proven by the stop at its abort record', () => {
  const inclusive = { kind: 'xid', xid: '727', inclusive: true } as const;
  const exclusive = { ...inclusive, inclusive: false } as const;
  const abort = (side: string, xid = '727'): RecoveryEvidence =>
    stopping(`recovery stopping ${side} abort of transaction ${xid}, time 2026-12-02 17:45:59.873526+00`);
  assert.equal(stopMatchesTarget(inclusive, abort('after')), null);
  assert.equal(stopMatchesTarget(exclusive, abort('before')), null);
  assert.match(stopMatchesTarget(exclusive, abort('after')) ?? '', /expected/, 'the side still counts');
  assert.match(stopMatchesTarget(inclusive, abort('after', '7270')) ?? '', /expected/, 'another transaction');
});

test('an LSN target is proven by a stop at or past it, in the direction its inclusiveness asks, whatever the LSN spelling', () => {
  const inclusive = { kind: 'lsn', lsn: '0/3000200', inclusive: true } as const;
  const exclusive = { ...inclusive, inclusive: false } as const;
  assert.equal(stopMatchesTarget(inclusive, stopping('recovery stopping after WAL location (LSN) "0/3000200"')), null);
  assert.equal(
    stopMatchesTarget(inclusive, stopping('recovery stopping after WAL location (LSN) "0/3000228"')),
    null,
    'the first record past the target',
  );
  assert.equal(
    stopMatchesTarget(exclusive, stopping('recovery stopping before WAL location (LSN) "0/03000200"')),
    null,
    'PostgreSQL 18 pads the low half to 8 digits',
  );
  assert.match(
    stopMatchesTarget(exclusive, stopping('recovery stopping after WAL location (LSN) "0/3000200"')) ?? '',
    /expected "recovery stopping before WAL location \(LSN\)" at or past 0\/3000200/,
  );
  assert.match(
    stopMatchesTarget(inclusive, stopping('recovery stopping before WAL location (LSN) "0/3000200"')) ?? '',
    /expected "recovery stopping after/,
  );
  assert.match(
    stopMatchesTarget(inclusive, stopping('recovery stopping after WAL location (LSN) "0/2FFFFFF"')) ?? '',
    /at or past 0\/3000200/,
    'a stop short of the target',
  );
  assert.match(
    stopMatchesTarget(inclusive, stopping('recovery stopping after commit of transaction 901, time x')) ?? '',
    /expected/,
  );
});

test('latest, immediate, name and time each want their own stopping line', () => {
  const completed = { ...readRecoveryLog('LOG:  archive recovery complete\n') };
  assert.equal(stopMatchesTarget({ kind: 'latest' }, completed), null);
  assert.match(
    stopMatchesTarget({ kind: 'latest' }, readRecoveryLog('')) ?? '',
    /does not say that recovery completed/,
  );
  assert.match(
    stopMatchesTarget({ kind: 'latest' }, { ...completed, stopping: 'recovery stopping after reaching consistency' }) ??
      '',
    /stopped early/,
  );
  assert.equal(
    stopMatchesTarget({ kind: 'immediate' }, stopping('recovery stopping after reaching consistency')),
    null,
  );
  assert.match(
    stopMatchesTarget({ kind: 'immediate' }, stopping('recovery stopping after commit of transaction 9, time x')) ?? '',
    /expected "recovery stopping after reaching consistency"/,
  );
  const name = { kind: 'name', name: 'recoverable-a' } as const;
  assert.equal(
    stopMatchesTarget(
      name,
      stopping('recovery stopping at restore point "recoverable-a", time 2026-12-02 06:20:00+00'),
    ),
    null,
  );
  assert.match(
    stopMatchesTarget(name, stopping('recovery stopping at restore point "recoverable-ab", time x')) ?? '',
    /expected a stop at restore point "recoverable-a"/,
    'a name that merely starts alike',
  );
  const time = { kind: 'time', time: '2026-12-02T06:20:00Z', inclusive: true } as const;
  assert.equal(
    stopMatchesTarget(
      time,
      stopping('recovery stopping before commit of transaction 902, time 2026-12-02 06:20:01+00'),
    ),
    null,
  );
  assert.match(
    stopMatchesTarget(time, stopping('recovery stopping after reaching consistency')) ?? '',
    /expected a stop at a commit near 2026-12-02T06:20:00Z/,
  );
});
