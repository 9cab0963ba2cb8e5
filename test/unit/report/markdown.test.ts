import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown } from '../../../src/report/markdown.ts';
import { failingResult, LONG_VALUE, passingResult } from './sample-result.ts';

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `missing ${heading}`);
  const next = markdown.indexOf('\n## ', start + heading.length + 1);
  return markdown.slice(start, next === -1 ? undefined : next);
}

// Split a table row on pipes that are not escaped.
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/);
}

test('renderMarkdown puts the verdict in the title', () => {
  assert.match(renderMarkdown(failingResult()), /^# Recoverable drill FAILED: quickstart\n/);
  assert.match(renderMarkdown(passingResult()), /^# Recoverable drill PASSED: quickstart\n/);
});

test('renderMarkdown lists failed and errored items under "What failed", before anything else', () => {
  const markdown = renderMarkdown(failingResult());
  const failed = section(markdown, '## What failed');
  assert.match(failed, /\*\*failed\*\* `fingerprint:shop\.orders` in quickstart \/ immediate \(local 15\)/);
  assert.match(failed, /\*\*errored\*\* `sql:negative-totals`/);
  assert.match(failed, /\*\*failed\*\* `rto` in objectives: RTO 12\.1 s exceeds 5 s/);
  assert.doesNotMatch(failed, /amcheck:shop/, 'a skipped check is not a failure');
  assert.doesNotMatch(failed, /rowcount:shop\.orders/);
  assert.ok(markdown.indexOf('## What failed') < markdown.indexOf('## Run\n'));
});

test('renderMarkdown says nothing failed on a passing run', () => {
  assert.match(section(renderMarkdown(passingResult()), '## What failed'), /Nothing failed/);
});

test('renderMarkdown shows the run, scenario digest and backup in human units', () => {
  const result = failingResult();
  const markdown = renderMarkdown(result);
  assert.ok(markdown.includes(result.scenario.sha256));
  assert.ok(markdown.includes(result.runId));
  assert.match(markdown, /\| Took \| 3 min 4 s \|/);
  assert.match(markdown, /\| Size \| 1\.2 MiB \(1258291 bytes\) \|/);
  assert.match(markdown, /\| Origin \| taken by this run \|/);
  assert.match(markdown, /\| RTO \| 5 s \| 12\.1 s \| \*\*failed\*\* \| sum of phases: fetch, restore, checks \|/);
});

test('renderMarkdown shows each restore with proof, phases and checks', () => {
  const markdown = renderMarkdown(failingResult());
  const restore = section(markdown, '## Restore: quickstart / immediate (local 15)');
  assert.match(restore, /- Proof: recovery stopping after reaching consistency/);
  assert.match(restore, /- Reached: immediate at LSN `0\/3000100`/);
  assert.match(restore, /\| restore \| 8\.4 s \| 69% \|/);
  assert.match(restore, /### Warnings\n\n- pg_restore: warning/);
  assert.match(markdown, /## Restore: quickstart \/ latest \(docker 17\)/);
  assert.match(markdown, /image `postgres:17`/);
});

test('renderMarkdown checks table escapes pipes, truncates long values and neutralises HTML', () => {
  const markdown = renderMarkdown(failingResult());
  const row = markdown.split('\n').find((line) => line.startsWith('| **failed** | `fingerprint:shop.orders`'));
  assert.ok(row, 'failed check row');
  const columns = cells(row);
  assert.equal(columns.length, 6, 'a pipe in a value must not add a column');
  assert.ok(!markdown.includes(LONG_VALUE), 'long values are truncated');
  assert.match(columns[3] ?? '', /^ x{79}… $/);
  assert.match(columns[4] ?? '', /a\\\|b/);
  assert.ok(!markdown.includes('<script>'));
  assert.ok(markdown.includes('&lt;script>'));
});

test('a run of 1,000 tables and 8 targets stays under 100 kB, with the verdict, the failures and every target', async () => {
  const { largeResult } = await import('./large-result.ts');
  const result = largeResult();
  const markdown = renderMarkdown(result);
  assert.ok(Buffer.byteLength(markdown) < 100_000, `${Buffer.byteLength(markdown)} bytes`);
  assert.match(markdown, /^# Recoverable drill FAILED: estate\n/);
  const failed = section(markdown, '## What failed');
  assert.equal((failed.match(/\*\*failed\*\* `fingerprint:/g) ?? []).length, 2);
  const targets = section(markdown, '## Targets')
    .split('\n')
    .filter((l) => l.startsWith('| `'));
  assert.equal(targets.length, 8);
  assert.deepEqual(
    cells(targets[3]!)
      .map((c) => c.trim())
      .slice(0, 1),
    ['`marker:batch-2`'],
  );
  assert.match(targets[3]!, /\| \*\*failed\*\* \| 15 min 43 s \| 2998 passed, 2 failed \|/);
  assert.match(targets[0]!, /\| passed \| 15 min 43 s \| 3000 passed \|/);
  assert.match(targets[0]!, /recovery stopping before commit of transaction 81000/);
  // Passing checks are counted by kind inside a fold, not listed.
  assert.equal((markdown.match(/<details><summary>3000 passing checks<\/summary>/g) ?? []).length, 7);
  assert.match(markdown, /\| fingerprints \| 1000 \|/);
  assert.ok(!markdown.includes('rowcount:app_schema_'), 'passing checks are not listed one by one');
});

test('a small run lists its passing checks one by one inside a fold, and its targets', () => {
  const markdown = renderMarkdown(failingResult());
  assert.match(markdown, /<details><summary>1 passing check<\/summary>\n\n\| Status \| Id/);
  assert.match(markdown, /\| passed \| `rowcount:shop\.orders` \|/);
  const targets = section(markdown, '## Targets');
  assert.match(
    targets,
    /\| `immediate` \| immediate: lsn 0\/3000100 \| recovery stopping after reaching consistency \| \*\*failed\*\* \| 12\.1 s \| 1 passed, 1 failed, 1 errored, 1 skipped \|/,
  );
  assert.match(targets, /\| `latest` \| latest \| redo done at 0\/4000028 \| passed \| 12\.1 s \| 1 passed \|/);
});
