import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideSelftest, judgeChecks, matchesCheck } from '../../../src/selftest/judge.ts';
import { verdictExitCode } from '../../../src/cli/exit-code.ts';
import type { Verdict } from '../../../src/run/result.ts';

// The CLI's exit code of a self-test with this verdict (cli/selftest.ts).
const selftestExitCode = (verdict: Verdict, stoppedByEnvironment: boolean): number =>
  verdictExitCode({ result: { verdict }, stoppedByEnvironment });
import type { CheckKind, CheckResult } from '../../../src/run/result.ts';
import type { FaultOutcome, MethodRun } from '../../../src/selftest/result.ts';

const check = (id: string, status: CheckResult['status'], message = `${id} says ${status}`): CheckResult => ({
  id,
  kind: id.split(':')[0]! as CheckKind,
  status,
  message,
  durationMs: 0,
});

test('an expected check is an exact id, or a prefix when it ends with a colon', () => {
  assert.ok(matchesCheck('manifest', 'manifest'));
  assert.ok(!matchesCheck('manifest', 'manifest:extra'));
  assert.ok(!matchesCheck('rowcount', 'rowcount:shop.orders'));
  assert.ok(matchesCheck('rowcount:', 'rowcount:shop.orders'));
  assert.ok(!matchesCheck('rowcount:', 'fingerprint:shop.orders'));
});

test('caught: the intended check failed saying why, listed first among the failed checks', () => {
  const judged = judgeChecks('manifest', /the manifest says/, [
    check('restore:pg_restore', 'failed'),
    check('manifest', 'failed', 'db.dump/1.dat.gz is 5 bytes, the manifest says 10'),
    check('amcheck', 'passed'),
  ]);
  assert.equal(judged.outcome, 'caught');
  assert.deepEqual(
    judged.failedChecks.map((c) => c.id),
    ['manifest', 'restore:pg_restore'],
  );
  assert.equal(judged.intended?.id, 'manifest');
  assert.match(judged.message, /^caught by manifest: db\.dump\/1\.dat\.gz is 5 bytes/);
});

test('under a prefix, the failed check whose message names the fault is the one that caught it', () => {
  const judged = judgeChecks('rowcount:', /-1/, [
    check('rowcount:a', 'failed', 'a has 3 rows (+1)'),
    check('rowcount:b', 'failed', 'b has 1 rows (-1)'),
  ]);
  assert.equal(judged.outcome, 'caught');
  assert.equal(judged.intended?.id, 'rowcount:b');
});

test('the intended check failing for another reason is a finding, not a catch', () => {
  const judged = judgeChecks('backup', /row-level security/, [
    check('backup', 'failed', 'pg_dump: permission denied for large object 910010'),
  ]);
  assert.equal(judged.outcome, 'wrong-reason');
  assert.match(judged.message, /backup failed, but not for this fault .*permission denied for large object/);
});

test('caught only by other checks: a finding that names the intended check and what it said', () => {
  const judged = judgeChecks('amcheck', /corruption/, [
    check('amcheck', 'passed', 'no corruption found'),
    check('fingerprint:t', 'failed'),
  ]);
  assert.equal(judged.outcome, 'caught-elsewhere');
  assert.match(
    judged.message,
    /^not caught by amcheck \(amcheck passed: no corruption found\); only by fingerprint:t$/,
  );
});

test('nothing failed: the fault slipped through, whether the intended check passed or never ran', () => {
  assert.match(
    judgeChecks('amcheck', /x/, [check('amcheck', 'passed', 'fine')]).message,
    /^slipped through: no check failed \(amcheck passed: fine\)$/,
  );
  const absent = judgeChecks('amcheck', /x/, [check('rowcount:t', 'passed')]);
  assert.equal(absent.outcome, 'missed');
  assert.match(absent.message, /amcheck did not run/);
  assert.equal(absent.intended, undefined);
});

test('nothing failed but a check errored: the drill could not judge, which is not a catch', () => {
  const judged = judgeChecks('amcheck', /x/, [
    check('restore:completed', 'errored', 'the restore could not be completed: boom'),
  ]);
  assert.equal(judged.outcome, 'errored');
  assert.match(judged.message, /restore:completed: the restore could not be completed: boom/);
});

const fault = (id: string, outcome: FaultOutcome['outcome']): FaultOutcome => ({
  id,
  family: 'f',
  method: 'dump',
  stage: 'backup',
  injects: 'x',
  expectedCheck: 'manifest',
  expectedReason: '/x/',
  outcome,
  failedChecks: outcome === 'caught' ? [{ id: 'manifest', status: 'failed', message: 'm' }] : [],
  message: `${id} ${outcome}`,
  durationMs: 1,
});
const method = (faults: FaultOutcome[], clean: MethodRun['clean']['verdict'] = 'passed'): MethodRun => ({
  method: 'dump',
  clean: { verdict: clean, summary: `clean ${clean}`, targets: ['immediate'], durationMs: 1 },
  faults,
});

test('the self-test passes only when every clean drill passed and every fault was caught', () => {
  const passed = decideSelftest([method([fault('a', 'caught'), fault('b', 'caught')])]);
  assert.deepEqual(passed, {
    verdict: 'passed',
    summary: '2 of 2 faults caught by their intended check (dump); every clean drill passed',
  });
  assert.equal(selftestExitCode(passed.verdict, false), 0);
});

test('a fault that slipped through fails the self-test, named in the summary', () => {
  const failed = decideSelftest([method([fault('heap-page-corrupt', 'missed'), fault('b', 'caught')])]);
  assert.equal(failed.verdict, 'failed');
  assert.match(
    failed.summary,
    /^1 of 2 faults caught .*heap-page-corrupt \(dump\) slipped through: manifest did not catch it and nothing else did/,
  );
  assert.equal(selftestExitCode(failed.verdict, false), 1);
});

test('a clean drill that failed fails the self-test even if every fault was caught', () => {
  const failed = decideSelftest([method([fault('a', 'caught')], 'failed')]);
  assert.equal(failed.verdict, 'failed');
  assert.match(failed.summary, /the clean dump drill failed: clean failed/);
});

test('faults that could not be judged make it errored; the machine giving out maps to exit 3', () => {
  const errored = decideSelftest([method([fault('a', 'errored'), fault('b', 'not-run')])]);
  assert.equal(errored.verdict, 'errored');
  assert.equal(selftestExitCode(errored.verdict, false), 1);
  assert.equal(selftestExitCode(errored.verdict, true), 3);
  assert.equal(decideSelftest([method([fault('a', 'wrong-reason')])]).verdict, 'failed');
  assert.equal(decideSelftest([method([fault('a', 'caught-elsewhere')])]).verdict, 'failed');
});
