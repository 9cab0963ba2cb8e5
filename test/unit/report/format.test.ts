import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeObjective,
  describeValue,
  findingsOf,
  formatBytes,
  formatDuration,
  restoreLabel,
  truncate,
} from '../../../src/report/format.ts';
import { failingResult, passingResult, restore } from './sample-result.ts';

test('formatDuration picks a unit people read', () => {
  assert.equal(formatDuration(0), '0 ms');
  assert.equal(formatDuration(340), '340 ms');
  assert.equal(formatDuration(1_234), '1.2 s');
  assert.equal(formatDuration(3_000), '3 s');
  assert.equal(formatDuration(59_960), '1 min');
  assert.equal(formatDuration(184_000), '3 min 4 s');
  assert.equal(formatDuration(300_000), '5 min');
  assert.equal(formatDuration(3_600_000), '1 h');
  assert.equal(formatDuration(7_500_000), '2 h 5 min');
  assert.equal(formatDuration(null), 'n/a');
  assert.equal(formatDuration(-1_500), '-1.5 s');
});

test('formatBytes uses binary units and never prints 1024.0', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.0 KiB');
  assert.equal(formatBytes(1_258_291), '1.2 MiB');
  assert.equal(formatBytes(1024 * 1024 - 1), '1.0 MiB');
  assert.equal(formatBytes(5 * 1024 ** 4), '5.0 TiB');
});

test('truncate cuts long text to the limit with an ellipsis and keeps short text', () => {
  assert.equal(truncate('short', 80), 'short');
  const cut = truncate('y'.repeat(200), 80);
  assert.equal(Array.from(cut).length, 80);
  assert.ok(cut.endsWith('…'));
  assert.equal(truncate('😀😀😀😀', 3), '😀😀…');
});

test('describeValue prints values on one line and tolerates bigint and cycles', () => {
  assert.equal(describeValue(undefined), '');
  assert.equal(describeValue('abc'), 'abc');
  assert.equal(describeValue(12n), '12');
  assert.equal(describeValue({ rows: 2n, ok: true }), '{"rows":"2","ok":true}');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(describeValue(cyclic), '[object Object]');
});

test('restoreLabel names scenario, target and environment', () => {
  assert.equal(restoreLabel('quickstart', restore({ target: 'latest' })), 'quickstart / latest (local 15)');
});

test('describeObjective says whether the objective was met', () => {
  assert.equal(
    describeObjective({ name: 'rto', objectiveMs: 5_000, measuredMs: 12_100, status: 'failed', basis: '' }),
    'RTO 12.1 s exceeds 5 s',
  );
  assert.match(
    describeObjective({ name: 'rpo', objectiveMs: 60_000, measuredMs: null, status: 'errored', basis: '' }),
    /not measured/,
  );
});

test('findingsOf lists failed and errored items only, run error first', () => {
  assert.deepEqual(findingsOf(passingResult()), []);
  const result = { ...failingResult(), error: { code: 'harness', message: 'boom' } };
  const findings = findingsOf(result);
  assert.deepEqual(
    findings.map((f) => [f.status, f.subject]),
    [
      ['errored', 'run'],
      ['failed', 'fingerprint:shop.orders'],
      ['errored', 'sql:negative-totals'],
      ['failed', 'rto'],
    ],
  );
});
