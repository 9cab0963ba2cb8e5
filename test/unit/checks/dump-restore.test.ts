import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optedOut, restoreStepCheck } from '../../../src/checks/dump-restore.ts';
import { restoreNotCompletedCheck, runFaultCheck } from '../../../src/checks/run-fault.ts';
import { fail, pass } from '../../../src/run/check.ts';

test('a restore step without errors passes; with errors it fails quoting the first five and counting the rest', () => {
  assert.equal(restoreStepCheck('restore:pg_restore', 'ok', []).status, 'passed');
  const errors = Array.from({ length: 7 }, (_, i) => `error ${i + 1}`);
  const check = restoreStepCheck('restore:pg_restore', 'ok', errors);
  assert.equal(check.status, 'failed');
  assert.equal(check.actual, 7);
  assert.equal(check.message, '7 error(s) while restoring: error 1 | error 2 | error 3 | error 4 | error 5 (+2 more)');
});

test('an owner or grant difference is skipped only when the scenario opted out of restoring it', () => {
  const owner = fail('schema', 'database:owner', 'exact', 'alice', 'postgres', 'owner differs', 0);
  const grants = fail('schema', 'database:privileges', 'exact', 'x', 'y', 'grants differ', 0);
  assert.equal(optedOut(owner, { noOwner: true, noPrivileges: false }).status, 'skipped');
  assert.match(optedOut(owner, { noOwner: true, noPrivileges: false }).message, /restore\.noOwner/);
  assert.equal(optedOut(owner, { noOwner: false, noPrivileges: true }).status, 'failed');
  assert.equal(optedOut(grants, { noOwner: true, noPrivileges: false }).status, 'failed');
  assert.equal(optedOut(grants, { noOwner: false, noPrivileges: true }).status, 'skipped');
  // Another check's failure is never excused by an opt-out.
  const rows = fail('rowcounts', 'rowcounts:public.t', 'exact', 1, 0, 'rows differ', 0);
  assert.equal(optedOut(rows, { noOwner: true, noPrivileges: true }).status, 'failed');
  const passed = pass('schema', 'database:owner', 'exact', 'a', 'a', 'same', 0);
  assert.equal(optedOut(passed, { noOwner: true, noPrivileges: true }), passed);
});

test('a broken backup is a failed run; a broken machine or harness an errored one; an unfinished restore is errored', () => {
  assert.equal(runFaultCheck('backup', 'pg_dump failed').status, 'failed');
  assert.equal(runFaultCheck('environment', 'no engine').status, 'errored');
  assert.equal(runFaultCheck('internal', 'bug').status, 'errored');
  assert.deepEqual(runFaultCheck('backup', 'pg_dump failed'), {
    id: 'backup',
    kind: 'backup',
    status: 'failed',
    message: 'pg_dump failed',
    durationMs: 0,
  });
  const unfinished = restoreNotCompletedCheck('disk full');
  assert.equal(unfinished.status, 'errored');
  assert.equal(unfinished.id, 'restore:completed');
  assert.equal(unfinished.message, 'the restore could not be completed: disk full');
});
