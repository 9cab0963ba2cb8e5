import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJson } from '../../../src/report/json.ts';
import type { RunResult } from '../../../src/run/result.ts';
import { failingResult } from './sample-result.ts';

test('renderJson round-trips the run result', () => {
  const result = failingResult();
  assert.deepEqual(JSON.parse(renderJson(result)), result);
});

test('renderJson uses 2-space indent and ends with a newline', () => {
  const text = renderJson(failingResult());
  assert.ok(text.endsWith('}\n'));
  assert.ok(text.startsWith('{\n  "schemaVersion": 1,\n  "runId": '));
});

test('renderJson orders keys as the type declares them, whatever the input order', () => {
  const result = failingResult();
  const reversed = reverseKeys(result) as RunResult;
  assert.equal(renderJson(reversed), renderJson(result));
  const parsed = JSON.parse(renderJson(reversed)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), [
    'schemaVersion',
    'runId',
    'tool',
    'scenario',
    'startedAt',
    'finishedAt',
    'verdict',
    'summary',
    'backup',
    'restores',
    'objectives',
    'checks',
  ]);
  const restore = (parsed.restores as Record<string, unknown>[])[0] ?? {};
  assert.deepEqual(Object.keys(restore), ['target', 'environment', 'reached', 'phases', 'checks', 'warnings']);
  const check = (restore.checks as Record<string, unknown>[])[1] ?? {};
  assert.deepEqual(Object.keys(check), [
    'id',
    'kind',
    'status',
    'exactness',
    'expected',
    'actual',
    'message',
    'durationMs',
  ]);
});

test('renderJson keeps fields it does not know, after the known ones', () => {
  const result = { extra: { note: 'added later' }, ...failingResult() } as RunResult & { extra: unknown };
  const parsed = JSON.parse(renderJson(result)) as Record<string, unknown>;
  assert.deepEqual(parsed.extra, { note: 'added later' });
  assert.equal(Object.keys(parsed).at(-1), 'extra');
});

test('renderJson writes bigint values as decimal strings', () => {
  const result = failingResult();
  const first = result.checks[0];
  assert.ok(first);
  first.actual = 12345678901234567890n;
  const parsed = JSON.parse(renderJson(result)) as { checks: { actual: unknown }[] };
  assert.equal(parsed.checks[0]?.actual, '12345678901234567890');
});

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}
