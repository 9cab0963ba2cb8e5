import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationChart, historySection, verdictStrip } from '../../../src/report/html-history.ts';
import { renderHtml } from '../../../src/report/html.ts';
import type { HistoryPoint } from '../../../src/run/result.ts';
import { passingResult } from './sample-result.ts';

function point(overrides: Partial<HistoryPoint> & { runId: string }): HistoryPoint {
  return {
    finishedAt: '2026-01-01T00:00:00.000Z',
    verdict: 'passed',
    rtoMs: 10_000,
    rtoObjectiveMs: 20_000,
    rpoMs: null,
    rpoObjectiveMs: null,
    checksFailed: 0,
    ...overrides,
  };
}

const HISTORY: HistoryPoint[] = [
  point({ runId: 'r1', rtoMs: 10_000 }),
  point({ runId: 'r2', verdict: 'failed', rtoMs: 30_000, checksFailed: 2 }),
  point({ runId: 'r3', verdict: 'errored', rtoMs: null }),
  point({ runId: 'r4<script>', rtoMs: 20_000 }),
];

function rects(svg: string): Array<Record<string, string>> {
  return [...svg.matchAll(/<rect ([^>]*)>/g)].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}

test('the verdict strip has one square per run, coloured by its verdict, oldest first', () => {
  const cells = rects(verdictStrip(HISTORY));
  assert.deepEqual(
    cells.map((c) => c.fill),
    ['#1a7f37', '#cf222e', '#9a6700', '#1a7f37'],
  );
  assert.deepEqual(
    cells.map((c) => Number(c.x)),
    [1, 251, 501, 751],
  );
  assert.match(verdictStrip(HISTORY), /<title>2026-01-01T00:00:00.000Z failed \(run r2\), 2 checks failed<\/title>/);
});

test('RTO bars scale to the largest value, turn red over the objective, and an unmeasured run gets a grey stub', () => {
  const svg = durationChart(HISTORY, 'rto');
  const all = rects(svg);
  const bars = all.filter((r) => r.height !== '2');
  const ticks = all.filter((r) => r.height === '2');
  assert.equal(bars.length, 4);
  assert.equal(ticks.length, 4, 'one objective tick per run that has an objective');
  // Scale is 30 s * 1.1 over 120 px: 10 s is 36.36 px tall, 30 s 109.09 px.
  assert.equal(Number(bars[0]!.height), 36.36);
  assert.equal(Number(bars[1]!.height), 109.09);
  assert.deepEqual(
    bars.map((b) => b.fill),
    ['#1a7f37', '#cf222e', '#d0d7de', '#1a7f37'],
  );
  assert.equal(bars[2]!.height, '3');
  // The objective (20 s) sits at 120 - 72.73 - 1.
  assert.equal(Number(ticks[0]!.y), 46.27);
  assert.match(svg, /RTO over the last 4 runs: from 10 s to 30 s/);
});

test('an RPO never measured is said in words, with no empty chart', () => {
  const html = durationChart(HISTORY, 'rpo');
  assert.equal(html.includes('<svg'), false);
  assert.match(html, /RPO: not measured in these runs/);
});

test('the history section escapes what it shows and stays self-contained', () => {
  const html = historySection(HISTORY);
  assert.equal(html.includes('r4<script>'), false);
  assert.ok(html.includes('r4&lt;script&gt;'));
  assert.doesNotMatch(html, /<link|<script|<img|\ssrc=|url\(|https?:\/\//i);
});

test('the report gains the history charts only when the run carries a history', () => {
  assert.equal(renderHtml(passingResult()).includes('<h2>History</h2>'), false);
  const html = renderHtml(passingResult({ history: HISTORY }));
  assert.ok(html.includes('<h2>History</h2>'));
  assert.equal(
    (html.match(/<svg/g) ?? []).length,
    (renderHtml(passingResult()).match(/<svg/g) ?? []).length + 2,
    'a verdict strip and an RTO chart',
  );
});
