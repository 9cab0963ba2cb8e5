import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSelftestJunit } from '../../../src/selftest/report/junit.ts';
import { renderSelftestMarkdown } from '../../../src/selftest/report/markdown.ts';
import { renderSelftestHtml } from '../../../src/selftest/report/html.ts';
import { renderSelftestJson } from '../../../src/selftest/report/json.ts';
import { matrixRows } from '../../../src/selftest/report/matrix.ts';
import { HOSTILE, sampleSelftest } from './sample-selftest.ts';

test('the matrix has a row for the clean drill and one per fault; only caught faults and a passed clean drill are ok', () => {
  const rows = matrixRows(sampleSelftest());
  assert.deepEqual(
    rows.map((r) => [r.fault, r.ok]),
    [
      ['clean', true],
      ['dump-truncated', true],
      ['heap-page-corrupt', false],
      ['index-page-corrupt', false],
    ],
  );
  assert.equal(rows[1]!.caughtBy, 'manifest, restore:pg_restore, rowcount:a (+1 more)');
  assert.equal(rows[1]!.injected, 'what dump-truncated injects (db.dump/1.dat.gz cut)');
  assert.match(rows[1]!.message, /^altered: /, 'a caught fault shows what its check said');
});

test('junit: one case per fault plus the clean drill; a fault that slipped through is a failure, one not judged an error', () => {
  const xml = renderSelftestJunit(sampleSelftest());
  assert.equal(xml.match(/<testcase /g)?.length, 4);
  assert.match(xml, /<testcase classname="selftest\.dump" name="clean drill passes"/);
  assert.match(
    xml,
    /<testcase classname="selftest\.dump" name="heap-page-corrupt caught by amcheck"[^>]*>\s*<failure message="heap-page-corrupt: slipped through/,
  );
  assert.match(xml, /name="index-page-corrupt caught by amcheck"[^>]*>\s*<error /);
  assert.equal(xml.match(/<failure /g)?.length, 1);
  const outsideCdata = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  assert.doesNotMatch(outsideCdata, /<script>/, 'markup in messages is escaped outside CDATA');
  assert.doesNotMatch(outsideCdata, /\]\]>/, 'every CDATA section is closed once');
  assert.match(xml, /<property name="weakened" value="amcheck"\/>/);
});

test('markdown: the verdict, the weakening, and the fault that slipped through in bold', () => {
  const md = renderSelftestMarkdown(sampleSelftest());
  assert.match(md, /^# Recoverable selftest FAILED\n/);
  assert.match(md, /\*\*Weakened on purpose\*\*: `amcheck` left out of every drill/);
  assert.match(md, /\| \*\*`heap-page-corrupt`\*\* \| restored \| .* \| `amcheck` \| \*\*SLIPPED THROUGH\*\* \|/);
  assert.match(md, /\| `dump-truncated` \| backup \| .* \| `manifest` \| caught \|/);
  const tableLines = md.split('\n').filter((l) => l.startsWith('| `') || l.startsWith('| **'));
  for (const line of tableLines) assert.equal(line.replaceAll('\\|', '').split('|').length, 9, `seven cells: ${line}`);
  assert.doesNotMatch(md, /<script>/);
});

test('html: self-contained, every message escaped', () => {
  const html = renderSelftestHtml(sampleSelftest());
  assert.match(html, /^<!doctype html>/);
  assert.doesNotMatch(html, /<script>|src="http|href="http/);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.match(html, /<tr class="bad"><td><code>heap-page-corrupt<\/code>/);
});

test('json: the result as it is, parseable back', () => {
  const result = sampleSelftest();
  assert.deepEqual(JSON.parse(renderSelftestJson(result)), result);
  assert.ok(renderSelftestJson(result).includes(JSON.stringify(HOSTILE).slice(1, -1)));
});
