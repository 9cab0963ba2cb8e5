import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStreak, median, trendOf } from '../../../src/ledger/trends.ts';
import { describeTrend } from '../../../src/cli/history-render.ts';
import { series } from './sample-runs.ts';

test('median of odd and even counts, and of nothing', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), null);
});

test('the streak in words', () => {
  assert.equal(describeStreak({ verdict: 'passed', count: 3 }), '3 passes in a row');
  assert.equal(describeStreak({ verdict: 'failed', count: 1 }), '1 failure (the latest run)');
  assert.equal(describeStreak({ verdict: 'errored', count: 2 }), '2 errored runs in a row');
  assert.equal(describeStreak(null), 'no runs recorded');
});

test('the trend compares the median of the newest window with the window before, skipping unmeasured runs', () => {
  // Newest first: recent window 10, 30, 20 (median 20); an unmeasured run is skipped; previous 5, 7, 6 (median 6).
  const runs = series([
    ['passed', 10],
    ['passed', 30],
    ['failed', null],
    ['passed', 20],
    ['passed', 5],
    ['passed', 7],
    ['passed', 6],
    ['passed', 1000],
  ]);
  const trend = trendOf(runs, 'rto', 3);
  assert.equal(trend.recentMs, 20);
  assert.equal(trend.previousMs, 6);
  assert.equal(trend.changeMs, 14);
  assert.equal(trend.recentRuns, 3);
  assert.equal(trend.previousRuns, 3);
  assert.match(
    describeTrend(trend),
    /^RTO trend: median 20 ms over the last 3 measured runs, slower by 14 ms than the 3 before \(median 6 ms\)$/,
  );
});

test('a trend without an earlier window says so; an RPO never measured says so', () => {
  const runs = series([
    ['passed', 4000],
    ['passed', 2000],
  ]);
  const trend = trendOf(runs, 'rto', 5);
  assert.equal(trend.previousMs, null);
  assert.equal(trend.changeMs, null);
  assert.equal(
    describeTrend(trend),
    'RTO trend: median 3 s over the last 2 measured runs; no earlier runs to compare with',
  );
  assert.equal(describeTrend(trendOf(runs, 'rpo', 5)), 'RPO trend: not measured in the recent runs');
});

test('a faster RTO and a smaller RPO read as improvements', () => {
  const runs = series([
    ['passed', 1000],
    ['passed', 3000],
  ]);
  assert.match(describeTrend(trendOf(runs, 'rto', 1)), /faster by 2 s than the 1 before/);
  const rpo = runs.map((r, i) => ({
    ...r,
    objectives: [
      {
        kind: 'rpo' as const,
        objectiveMs: 60_000,
        measuredMs: i === 0 ? 500 : 900,
        status: 'passed' as const,
        basis: 'markers',
      },
    ],
  }));
  assert.match(describeTrend(trendOf(rpo, 'rpo', 1)), /less data lost by 400 ms/);
});
