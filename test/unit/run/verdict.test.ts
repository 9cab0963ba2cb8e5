// The summary claims only what was compared; coverage names what ran, what was skipped and why, what was not asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coverageOf, summarize } from '../../../src/run/verdict.ts';
import type { CheckKind, CheckResult, RunResult } from '../../../src/run/result.ts';

const check = (kind: CheckKind, status: CheckResult['status'], message: string = kind): CheckResult => ({
  id: `${kind}:1`,
  kind,
  status,
  message,
  durationMs: 0,
});
const run = (checks: CheckResult[]): RunResult => ({
  schemaVersion: 1,
  runId: 'r',
  tool: { name: 'recoverable', version: '0' },
  scenario: { name: 's', path: 's.yaml', sha256: '' },
  startedAt: '',
  finishedAt: '',
  verdict: 'passed',
  summary: '',
  backup: null,
  objectives: [],
  checks: [check('manifest', 'passed')],
  restores: [
    {
      target: 'immediate',
      environment: { kind: 'local', version: 15 },
      reached: { kind: 'immediate', proof: '' },
      phases: [],
      checks,
    },
  ],
});

test('with only an SQL assertion the summary does not claim the backup matches', () => {
  const result = run([check('sql', 'passed')]);
  const summary = summarize(result, coverageOf(result, new Set(['sql'])));
  assert.doesNotMatch(summary, /matches what was backed up/);
  assert.match(summary, /compared and matching: SQL assertions/);
  assert.match(summary, /not compared: .*row counts \(not requested\).*roles \(not requested\)/);
});

test('server settings are named as compared by no check, in the summary and the coverage, whatever was asked', () => {
  const result = run([check('rowcounts', 'passed')]);
  const coverage = coverageOf(result, new Set(['rowcounts']));
  const settings = coverage.find((c) => c.kind === 'server-settings');
  assert.ok(settings);
  assert.deepEqual([settings.requested, settings.ran], [true, 0]);
  assert.match(
    summarize(result, coverage),
    /not compared: .*server settings \(postgresql\.conf, ALTER SYSTEM\) \(no check compares them: a dump does not carry them/,
  );
});

test('skipped comparisons are named with their reason, never counted as compared', () => {
  const result = run([check('rowcounts', 'passed'), check('fingerprints', 'skipped', 'no exact expectation at xid:5')]);
  const coverage = coverageOf(result, new Set(['rowcounts', 'fingerprints']));
  const fingerprints = coverage.find((c) => c.kind === 'fingerprints')!;
  assert.equal(fingerprints.ran, 0);
  assert.deepEqual(fingerprints.reasons, ['no exact expectation at xid:5']);
  assert.match(summarize(result, coverage), /row content \(fingerprints\) \(no exact expectation at xid:5\)/);
});

test('a failure leads the summary', () => {
  const result = run([check('rowcounts', 'failed', 'shop.orders has 3 rows')]);
  assert.match(
    summarize(result, coverageOf(result, new Set(['rowcounts']))),
    /first: rowcounts:1: shop.orders has 3 rows/,
  );
});
