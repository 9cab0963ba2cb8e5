import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, renderHtml } from '../../../src/report/html.ts';
import { failingResult, passingResult } from './sample-result.ts';

test('escapeHtml escapes the five special characters', () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
  );
});

test('renderHtml escapes a script in a check message', () => {
  const html = renderHtml(failingResult());
  assert.ok(!html.includes('<script'), 'no script element may appear');
  assert.ok(html.includes('row count differs &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
});

test('renderHtml is one self-contained page', () => {
  const html = renderHtml(failingResult());
  assert.ok(html.startsWith('<!doctype html>'));
  assert.ok(html.trimEnd().endsWith('</html>'));
  assert.match(html, /<style>[\s\S]+<\/style>/);
  assert.doesNotMatch(html, /<link|<script|<img|<iframe|\ssrc=|url\(|@import|https?:\/\//i);
});

test('renderHtml draws a stacked phase bar per restore and a bar per objective', () => {
  const result = failingResult();
  const html = renderHtml(result);
  const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
  assert.equal(svgs.length, result.restores.length + result.objectives.length);
  const phaseBar = svgs.find((svg) => svg.includes('phase durations'));
  assert.ok(phaseBar);
  assert.equal(phaseBar.match(/<rect /g)?.length, 3, 'one segment per phase');
  assert.match(phaseBar, /<title>restore: 8\.4 s<\/title>/);
  const widths = [...phaseBar.matchAll(/width="([\d.]+)" height="28"/g)].map((m) => Number(m[1]));
  assert.ok(Math.abs(widths.reduce((a, b) => a + b, 0) - 1000) < 0.1, 'segments fill the bar');
  assert.ok(html.includes('aria-label="RTO measured 12.1 s against objective 5 s"'));
});

test('renderHtml lists failures first and carries the Markdown content', () => {
  const result = failingResult();
  const html = renderHtml(result);
  assert.ok(html.indexOf('What failed') < html.indexOf('<h2>Run</h2>'));
  const failures = html.slice(html.indexOf('What failed'), html.indexOf('<h2>Run</h2>'));
  assert.match(failures, /<code>fingerprint:shop\.orders<\/code>/);
  assert.match(failures, /<code>rto<\/code>/);
  assert.doesNotMatch(failures, /amcheck:shop/);
  for (const text of [
    result.scenario.sha256,
    result.runId,
    '1.2 MiB',
    'taken by this run',
    'recovery stopping after reaching consistency',
    'pg_restore: warning',
  ]) {
    assert.ok(html.includes(text), `missing ${text}`);
  }
  assert.match(html, /<h1>Recoverable drill FAILED: quickstart<\/h1>/);
});

test('renderHtml truncates long values in tables and keeps the full value in a tooltip', () => {
  const html = renderHtml(failingResult());
  assert.match(html, /<span class="value" title="x{300}">x{79}…<\/span>/);
});

test('renderHtml of a passing run says nothing failed', () => {
  const html = renderHtml(passingResult());
  assert.match(html, /Nothing failed/);
  assert.match(html, /<header class="verdict passed">/);
});

test('renderHtml shows a targets overview right after what failed: one row per restore with its verdict and RTO', () => {
  const html = renderHtml(failingResult());
  const section = /<section id="targets">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  const rows = section.match(/<tr class="target [a-z]+">[\s\S]*?<\/tr>/g) ?? [];
  assert.equal(rows.length, 2);
  assert.match(
    rows[0]!,
    /<code>immediate<\/code>.*immediate: lsn 0\/3000100.*recovery stopping after reaching consistency.*badge failed">failed<.*12\.1 s.*1 passed, 1 failed, 1 errored, 1 skipped/,
  );
  assert.match(rows[1]!, /<code>latest<\/code>.*redo done at 0\/4000028.*badge passed">passed<.*12\.1 s/);
  assert.ok(html.indexOf('<section id="targets">') < html.indexOf('<h2>Run</h2>'));
});

test('renderHtml of 1,000 tables and 8 targets lists the 8 targets in the overview', async () => {
  const { largeResult } = await import('./large-result.ts');
  const html = renderHtml(largeResult());
  const section = /<section id="targets">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  assert.equal((section.match(/<tr class="target /g) ?? []).length, 8);
  assert.equal((section.match(/badge failed/g) ?? []).length, 1);
});
