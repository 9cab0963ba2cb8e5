// RTO counts only restores that completed soundly; a failed or unfinished restore never yields a passed objective.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rtoObjective } from '../../../src/drill/objectives.ts';
import type { RestoreResult, CheckResult } from '../../../src/run/result.ts';
import type { SourceHistory } from '../../../src/repository/history.ts';

const check = (id: string, status: CheckResult['status']): CheckResult => ({
  id,
  kind: 'recovery',
  status,
  message: id,
  durationMs: 0,
});
const restore = (target: string, ms: number, checks: CheckResult[], error?: RestoreResult['error']): RestoreResult => ({
  target,
  environment: { kind: 'local', version: 15 },
  reached: { kind: target, proof: '' },
  phases: [{ name: 'copy', durationMs: ms }],
  checks,
  ...(error ? { error } : {}),
});

test('sound restores within the objective pass, over it fail', () => {
  const ok = rtoObjective(1000, [
    restore('a', 400, [check('x', 'passed')]),
    restore('b', 900, [check('y', 'skipped')]),
  ]);
  assert.equal(ok.status, 'passed');
  assert.equal(ok.measuredMs, 900);
  assert.equal(rtoObjective(500, [restore('a', 900, [check('x', 'passed')])]).status, 'failed');
});

test('a restore that never reached its target makes RTO not passed, even when fast', () => {
  const result = rtoObjective(60_000, [restore('latest', 100, [check('recovery:target', 'failed')])]);
  assert.equal(result.status, 'errored');
  assert.match(result.basis, /latest has 1 failed or errored check/);
});

test('an unfinished restore is not a recovery time; over the objective it is still a failure', () => {
  assert.equal(rtoObjective(60_000, [restore('immediate', 100, [], { code: 'x', message: 'died' })]).status, 'errored');
  assert.equal(rtoObjective(50, [restore('immediate', 100, [check('c', 'errored')])]).status, 'failed');
  assert.equal(rtoObjective(50, []).status, 'errored');
});

test('an RTO over its objective is said with both times, not its basis: "RTO 2.4 s exceeds 200 ms"', async () => {
  const { describeObjective } = await import('../../../src/report/format.ts');
  const { summarize } = await import('../../../src/run/verdict.ts');
  const { passingResult } = await import('../report/sample-result.ts');
  const rto = rtoObjective(200, [restore('immediate', 2_400, [check('x', 'passed')])]);
  assert.equal(describeObjective(rto), 'RTO 2.4 s exceeds 200 ms');
  const summary = summarize(
    passingResult({ checks: [], restores: [restore('immediate', 2_400, [check('x', 'passed')])], objectives: [rto] }),
  );
  assert.match(summary, /; first: RTO 2\.4 s exceeds 200 ms$/);
  assert.doesNotMatch(summary, /slowest restore/);
});

test('recovery time is the sum of every phase; a restore with no phase measured has no recovery time, never zero', async () => {
  const { recoveryTimeMs } = await import('../../../src/drill/objectives.ts');
  const phased = {
    ...restore('a', 0, [check('x', 'passed')]),
    phases: [
      { name: 'fetch', durationMs: 100 },
      { name: 'restore', durationMs: 250 },
      { name: 'checks', durationMs: 50 },
    ],
  };
  assert.equal(recoveryTimeMs(phased), 400);
  const result = rtoObjective(400, [phased]);
  assert.deepEqual([result.status, result.measuredMs], ['passed', 400], 'exactly the objective fits it');
  assert.match(result.basis, /\(fetch, restore, checks\)$/);
  assert.equal(rtoObjective(399, [phased]).status, 'failed', 'one millisecond over fails');
  const bare = { ...restore('latest', 0, [check('y', 'passed')]), phases: [] };
  const unmeasured = rtoObjective(60_000, [bare]);
  assert.deepEqual([unmeasured.status, unmeasured.measuredMs], ['errored', null]);
  assert.match(unmeasured.basis, /no phase of the restore to latest was measured/);
  const beside = rtoObjective(60_000, [phased, bare]);
  assert.deepEqual(
    [beside.status, beside.measuredMs],
    ['errored', 400],
    'the measured restore fits, but the run has a restore without a time',
  );
  const over = rtoObjective(300, [phased, bare]);
  assert.deepEqual(
    [over.status, over.measuredMs],
    ['failed', 400],
    'a measured restore over the objective is a finding all the same',
  );
  assert.match(
    over.basis,
    /^over the objective, and not a recovery time of a working restore: no phase of the restore to latest was measured$/,
  );
});

test('the RTO basis names the phases of the slowest restore, not of the first', () => {
  const fast = restore('immediate', 10, [check('x', 'passed')]);
  const slow = {
    ...restore('latest', 0, [check('y', 'passed')]),
    phases: [
      { name: 'restore', durationMs: 500 },
      { name: 'replay', durationMs: 700 },
    ],
  };
  const result = rtoObjective(5_000, [fast, slow]);
  assert.equal(result.measuredMs, 1_200);
  assert.match(result.basis, /\(restore, replay\)$/);
});

test('unsoundRestore: skipped checks are sound, a failed or errored one is named, an error says the restore did not complete', async () => {
  const { unsoundRestore } = await import('../../../src/drill/objectives.ts');
  assert.equal(unsoundRestore(restore('a', 1, [check('x', 'passed'), check('y', 'skipped')])), null);
  assert.equal(unsoundRestore(restore('a', 1, [])), null);
  assert.equal(
    unsoundRestore(restore('a', 1, [check('x', 'passed'), check('rowcount:t', 'errored'), check('z', 'failed')])),
    'the restore to a has 2 failed or errored check(s) (first: rowcount:t)',
  );
  assert.equal(
    unsoundRestore(restore('lsn:0/3000100', 1, [check('x', 'passed')], { code: 'restore-failed', message: 'x' })),
    'the restore to lsn:0/3000100 did not complete',
  );
});

test("dump RPO: measured from the source's last change when known, else the age of the snapshot as an upper bound", async () => {
  const { dumpRpoObjective } = await import('../../../src/drill/objectives.ts');
  const snapshot = new Date('2026-01-01T10:00:00.000Z');
  const measured = dumpRpoObjective(
    60_000,
    snapshot,
    new Date('2026-01-01T10:01:00.000Z'),
    new Date('2026-01-02T00:00:00.000Z'),
  );
  assert.deepEqual([measured.status, measured.measuredMs], ['passed', 60_000], 'a window exactly the objective passes');
  assert.match(measured.basis, /^measured: last commit on the source minus the backup snapshot/);
  assert.equal(dumpRpoObjective(59_999, snapshot, new Date('2026-01-01T10:01:00.000Z'), snapshot).status, 'failed');
  const quiet = dumpRpoObjective(
    1,
    snapshot,
    new Date('2026-01-01T09:00:00.000Z'),
    new Date('2026-01-02T00:00:00.000Z'),
  );
  assert.deepEqual([quiet.status, quiet.measuredMs], ['passed', 0], 'no change after the snapshot: nothing is lost');
  const estimate = dumpRpoObjective(3_600_000, snapshot, null, new Date('2026-01-01T12:00:00.000Z'));
  assert.deepEqual([estimate.status, estimate.measuredMs], ['failed', 7_200_000]);
  assert.match(estimate.basis, /^estimate \(upper bound\): age of the backup snapshot/);
});

test("latest RPO: the source's last commit minus the last one recovered, to the microsecond, whatever offset each is written with", async () => {
  const { latestRpoObjective } = await import('../../../src/drill/objectives.ts');
  const history = (lastCommitTime: string): SourceHistory => ({
    formatVersion: 1,
    backupId: 'b',
    systemIdentifier: '1',
    markers: [],
    end: {
      expectations: {} as SourceHistory['end']['expectations'],
      lastCommitTime,
      lsn: '0/3000000',
      lastSegment: '000000010000000000000003',
    },
  });
  const end = history('2026-01-01 10:00:05.000500+00');
  const lost = latestRpoObjective(5_000, end, '2026-01-01 10:00:00.000400+00');
  assert.deepEqual(
    [lost.status, lost.measuredMs],
    ['passed', 5_000],
    '5.0001 s is 5000 whole milliseconds, within 5 s',
  );
  assert.equal(latestRpoObjective(4_999, end, '2026-01-01 10:00:00.000400+00').status, 'failed');
  assert.match(
    lost.basis,
    /last commit on the source \(2026-01-01 10:00:05\.000500\+00\) minus the last commit recovered \(2026-01-01 10:00:00\.000400\+00\)/,
  );
  const sameInstant = latestRpoObjective(0, end, '2026-01-01 12:00:05.000500+02');
  assert.deepEqual(
    [sameInstant.status, sameInstant.measuredMs],
    ['passed', 0],
    'a commit written in another zone is the same instant',
  );
  const inBerlin = latestRpoObjective(60_000, history('2026-01-01 11:00:05+01'), '2026-01-01 10:00:00+00');
  assert.equal(inBerlin.measuredMs, 5_000);
  assert.equal(
    latestRpoObjective(0, end, '2026-01-01 10:00:09+00').measuredMs,
    0,
    'recovered past the recorded end: nothing lost',
  );
});

test('latest RPO without evidence is errored, never a pass: no history, no replayed commit, an unreadable time', async () => {
  const { latestRpoObjective } = await import('../../../src/drill/objectives.ts');
  const end = (lastCommitTime: string): SourceHistory => ({
    formatVersion: 1,
    backupId: 'b',
    systemIdentifier: '1',
    markers: [],
    end: {
      expectations: {} as SourceHistory['end']['expectations'],
      lastCommitTime,
      lsn: '0/3000000',
      lastSegment: '000000010000000000000003',
    },
  });
  const noHistory = latestRpoObjective(60_000, null, '2026-01-01 10:00:00+00');
  assert.deepEqual([noHistory.status, noHistory.measuredMs], ['errored', null]);
  assert.match(noHistory.basis, /no record of the source's last commit/);
  assert.match(
    latestRpoObjective(60_000, end('2026-01-01 10:00:00+00'), null).basis,
    /did not report its last replayed commit/,
  );
  const garbled = latestRpoObjective(60_000, end('2026-01-01 10:00:00+00'), 'yesterday');
  assert.deepEqual([garbled.status, garbled.measuredMs], ['errored', null]);
  assert.match(garbled.basis, /the last commit recovered is unreadable \("yesterday" is not an ISO 8601 time/);
  assert.match(
    latestRpoObjective(60_000, end('2026-01-01 10:00:00'), '2026-01-01 10:00:00+00').basis,
    /the source's last commit time is unreadable/,
    'a time without an offset is not guessed to be UTC',
  );
});
