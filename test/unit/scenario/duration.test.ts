import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../../src/scenario/duration.ts';

test('reads durations with units into milliseconds', () => {
  const cases: Array<[string, number]> = [
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2h', 7_200_000],
    ['1.5s', 1_500],
    ['1h 30m', 5_400_000],
    ['1d', 86_400_000],
  ];
  for (const [text, ms] of cases) assert.deepEqual(parseDuration(text), { ok: true, ms }, text);
});

test('refuses a plain number and says to write a unit', () => {
  const result = parseDuration(300);
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.problem === '300 has no unit');
  assert.match(!result.ok ? result.fix : '', /5m/);
});

test('refuses malformed, repeated, unordered and zero durations', () => {
  for (const text of ['', '5', '5x', 'm5', '30m1h', '5m5m', '0s', 'five minutes', '-1s']) {
    assert.equal(parseDuration(text).ok, false, text);
  }
  assert.equal(parseDuration(true).ok, false);
  assert.equal(parseDuration(null).ok, false);
});
