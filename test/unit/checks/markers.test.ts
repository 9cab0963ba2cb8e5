import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markersCheck } from '../../../src/checks/markers.ts';

const EXPECTED = { present: ['batch-1', 'batch-2'], absent: ['batch-3', 'end'] };

test('the last marker before the target present and the first after it absent passes', () => {
  const check = markersCheck(EXPECTED, ['batch-1', 'batch-2'], 5);
  assert.equal(check.status, 'passed');
  assert.equal(check.message, 'last marker before the target (batch-2) present, first after it (batch-3) absent');
  assert.deepEqual(check.expected, EXPECTED);
});

test('a missing marker (replay stopped early) fails, naming it', () => {
  const check = markersCheck(EXPECTED, ['batch-1'], 5);
  assert.equal(check.status, 'failed');
  assert.equal(check.message, 'markers missing: batch-2');
});

test('a marker past the target (replay went too far) fails, naming it; both at once are both named', () => {
  assert.equal(
    markersCheck(EXPECTED, ['batch-1', 'batch-2', 'batch-3'], 5).message,
    'markers past the target present: batch-3',
  );
  assert.equal(
    markersCheck(EXPECTED, ['batch-1', 'end'], 5).message,
    'markers missing: batch-2; markers past the target present: end',
  );
});

test('no markers written on the source: skipped, not passed', () => {
  const check = markersCheck(null, [], 0);
  assert.equal(check.status, 'skipped');
  assert.equal(check.exactness, 'not-available');
});

test('a target before any marker passes only with none present', () => {
  const first = { present: [], absent: ['batch-1'] };
  assert.equal(markersCheck(first, [], 0).message, 'no marker expected yet, first after it (batch-1) absent');
  assert.equal(markersCheck(first, ['batch-1'], 0).status, 'failed');
});
