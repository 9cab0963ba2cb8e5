// RTO counts only restores that completed soundly; a failed or unfinished restore never yields a passed objective.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rtoObjective } from '../../../src/drill/objectives.ts';
import type { RestoreResult, CheckResult } from '../../../src/run/result.ts';

const check = (id: string, status: CheckResult['status']): CheckResult => ({ id, kind: 'recovery', status, message: id, durationMs: 0 });
const restore = (target: string, ms: number, checks: CheckResult[], error?: RestoreResult['error']): RestoreResult => ({
  target, environment: { kind: 'local', version: 15 }, reached: { kind: target, proof: '' }, phases: [{ name: 'copy', durationMs: ms }], checks, ...(error ? { error } : {}),
});

test('sound restores within the objective pass, over it fail', () => {
  const ok = rtoObjective(1000, [restore('a', 400, [check('x', 'passed')]), restore('b', 900, [check('y', 'skipped')])]);
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
  const summary = summarize(passingResult({ checks: [], restores: [restore('immediate', 2_400, [check('x', 'passed')])], objectives: [rto] }));
  assert.match(summary, /; first: RTO 2\.4 s exceeds 200 ms$/);
  assert.doesNotMatch(summary, /slowest restore/);
});
