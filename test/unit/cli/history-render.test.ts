import { test } from 'node:test';
import assert from 'node:assert/strict';
import { historyPoint } from '../../../src/cli/drill-record.ts';
import { renderHistory } from '../../../src/cli/history-render.ts';
import { trendOf } from '../../../src/ledger/trends.ts';
import { ledgerRun, series } from '../ledger/sample-runs.ts';

test('history prints the streak, one row per run with RTO against its objective, and the trends', () => {
  const runs = series([
    ['failed', 420_000],
    ['passed', 12_000],
  ]);
  runs[0] = { ...runs[0]!, checkCounts: { passed: 3, failed: 2, skipped: 0, errored: 1 }, backup: null };
  const lines = renderHistory({
    scenario: 'nightly',
    runs,
    streak: { verdict: 'failed', count: 1 },
    trends: [trendOf(runs, 'rto', 1), trendOf(runs, 'rpo', 1)],
  });
  assert.equal(lines[0], 'nightly: 1 failure (the latest run)');
  assert.match(lines[1]!, /^ {2}finished +verdict +RTO \(objective\) +RPO \(objective\) +checks failed +backup$/);
  assert.match(lines[2]!, /^ {2}2026-01-10T12:00:00\.000Z +FAILED +7 min \(5 min\) +- +3 +-$/);
  assert.match(lines[3]!, /^ {2}2026-01-10T11:00:00\.000Z +PASSED +12 s \(5 min\) +- +0 +backup-run-001 \(dump\)$/);
  assert.equal(
    lines[4],
    '  RTO trend: median 7 min over the last 1 measured run, slower by 6 min 48 s than the 1 before (median 12 s)',
  );
  assert.equal(lines[5], '  RPO trend: not measured in the recent runs');
  assert.equal(lines.length, 6);
});

test('a scenario with no runs prints only that', () => {
  assert.deepEqual(renderHistory({ scenario: 'nightly', runs: [], streak: null, trends: [] }), [
    'nightly: no runs recorded',
  ]);
});

test('a ledger run becomes a chart point with its measured values, objectives and failed checks', () => {
  const run = ledgerRun({
    runId: 'r',
    finishedAt: '2026-01-01T00:00:00.000Z',
    verdict: 'failed',
    objectives: [
      { kind: 'rto', objectiveMs: 300_000, measuredMs: 9_000, status: 'passed', basis: 'x' },
      { kind: 'rpo', objectiveMs: 60_000, measuredMs: null, status: 'errored', basis: 'y' },
    ],
    checkCounts: { passed: 1, failed: 2, skipped: 4, errored: 3 },
  });
  assert.deepEqual(historyPoint(run), {
    runId: 'r',
    finishedAt: '2026-01-01T00:00:00.000Z',
    verdict: 'failed',
    rtoMs: 9_000,
    rtoObjectiveMs: 300_000,
    rpoMs: null,
    rpoObjectiveMs: 60_000,
    checksFailed: 5,
  });
});
