import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeCopy, describeSharedCopy, phaseName } from '../../../src/report/restore-copy.ts';
import { renderMarkdown } from '../../../src/report/markdown.ts';
import { renderHtml } from '../../../src/report/html.ts';
import { passingResult, restore } from './sample-result.ts';
import type { RestoreCopy } from '../../../src/run/result.ts';

const MIB = 1024 * 1024;
const reflink: RestoreCopy = {
  method: 'reflink',
  files: 1020,
  bytes: 40 * MIB,
  bytesWritten: 0,
  durationMs: 80,
  fullCopy: {
    bytesPerSecond: 200 * MIB,
    estimatedMs: 200,
    basis: "estimated at the write rate of the restore's filesystem (a synced write probe)",
  },
};

test('describeCopy says a reflink wrote nothing and what a full copy would cost', () => {
  assert.equal(
    describeCopy(reflink),
    "reflink (copy-on-write, no data written): 1020 files, 40.0 MiB in 80 ms; a full copy would write 40.0 MiB, about 200 ms at 200.0 MiB/s (estimated at the write rate of the restore's filesystem (a synced write probe))",
  );
  const { fullCopy: _, ...unpriced } = reflink;
  assert.match(describeCopy(unpriced), /the cost of a full copy could not be measured$/);
});

test('describeCopy gives a full copy its own rate, and a mixed copy the bytes it wrote', () => {
  assert.equal(
    describeCopy({
      method: 'full',
      files: 3,
      bytes: 30 * MIB,
      bytesWritten: 30 * MIB,
      durationMs: 150,
      fullCopy: { bytesPerSecond: 200 * MIB, estimatedMs: 150, basis: 'measured by this copy' },
    }),
    'full copy: 3 files, 30.0 MiB in 150 ms (200.0 MiB/s)',
  );
  assert.match(
    describeCopy({ ...reflink, method: 'mixed', bytesWritten: 4 * MIB }),
    /^partly reflinked: 1020 files, 40\.0 MiB \(4\.0 MiB written\) in 80 ms; a full copy would write/,
  );
});

test('the Markdown and HTML reports state the copy of a physical restore, and nothing for a restore without one', () => {
  const result = passingResult({ restores: [restore({ copy: reflink }), restore({ target: 'latest' })] });
  const markdown = renderMarkdown(result);
  assert.equal(markdown.match(/^- Copy: reflink \(copy-on-write, no data written\): 1020 files/gm)?.length, 1);
  const html = renderHtml(result);
  assert.equal(
    html.match(/<th[^>]*>Copy<\/th><td>reflink \(copy-on-write, no data written\)/g)?.length,
    1,
    html.slice(html.indexOf('Copy') - 200, html.indexOf('Copy') + 200),
  );
});

test('a restore on a shared copy says where it stands, and its shared phases are marked in both reports', () => {
  const second = restore({
    target: 'marker:batch-1',
    sharedCopy: { first: 'immediate', position: 2, targets: 3, checkedInRecovery: true },
    phases: [
      { name: 'copy', durationMs: 2000, reused: true },
      { name: 'WAL replay', durationMs: 500 },
    ],
  });
  const result = { ...passingResult(), restores: [second] };
  const line =
    'target 2 of 3 replayed in turn on the copy first restored to immediate (checked read-only while paused in recovery)';
  for (const report of [renderMarkdown(result), renderHtml(result)]) {
    assert.ok(report.includes(line), 'the shared copy is named');
    assert.ok(report.includes('copy (shared)'), 'the reused copy phase is marked');
    assert.ok(!report.includes('WAL replay (shared)'), 'its own replay is not');
  }
  assert.match(
    describeSharedCopy({ first: 'immediate', position: 3, targets: 3, checkedInRecovery: false }),
    /target 3 of 3 .*\(promoted for its checks\)$/,
  );
  // The copy ended after a target checked in recovery (the next went on a fresh copy): still said.
  assert.match(
    describeSharedCopy({ first: 'immediate', position: 1, targets: 1, checkedInRecovery: true }),
    /^the only target its copy served .*\(checked read-only while paused in recovery\)$/,
  );
});

test('phaseName says a phase ran beside another and counts only the wait after it', () => {
  assert.equal(
    phaseName({ name: 'pg_verifybackup', durationMs: 12, alongside: { phase: 'copy', ranMs: 630 } }),
    'pg_verifybackup (beside the copy, 630 ms in all; the wait after it)',
  );
  assert.equal(
    phaseName({ name: 'pg_verifybackup', durationMs: 12, reused: true, alongside: { phase: 'copy' } }),
    'pg_verifybackup (shared) (beside the copy; the wait after it)',
  );
  assert.equal(phaseName({ name: 'copy', durationMs: 700 }), 'copy');
});
