import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeAge, judgeFreshness } from '../../../src/ledger/freshness.ts';
import { ledgerRun } from './sample-runs.ts';

const NOW = new Date('2026-01-10T12:00:00.000Z');
const HOUR = 3_600_000;

test('a pass within the maximum age is fresh, one just over it is not', () => {
  const pass = ledgerRun({ runId: 'p', finishedAt: '2026-01-09T10:00:00.000Z' });
  const fresh = judgeFreshness('nightly', pass, pass, 26 * HOUR, NOW);
  assert.equal(fresh.fresh, true);
  assert.equal(fresh.lastPass?.ageMs, 26 * HOUR);
  assert.match(fresh.message, /^nightly: last passed 1d 2h ago at 2026-01-09T10:00:00.000Z \(run p\), within 1d 2h$/);
  const stale = judgeFreshness('nightly', pass, pass, 26 * HOUR - 1, NOW);
  assert.equal(stale.fresh, false);
  assert.match(stale.message, /older than/);
});

test('a fresh failure does not make an old pass fresh, and is named', () => {
  const pass = ledgerRun({ runId: 'p', finishedAt: '2026-01-08T12:00:00.000Z' });
  const failure = ledgerRun({ runId: 'f', finishedAt: '2026-01-10T11:00:00.000Z', verdict: 'failed' });
  const judged = judgeFreshness('nightly', failure, pass, 26 * HOUR, NOW);
  assert.equal(judged.fresh, false);
  assert.match(judged.message, /latest run failed at 2026-01-10T11:00:00.000Z/);
});

test('never passed, or never ran, is not fresh', () => {
  const failure = ledgerRun({ runId: 'f', finishedAt: '2026-01-10T11:00:00.000Z', verdict: 'failed' });
  assert.equal(judgeFreshness('nightly', failure, null, 26 * HOUR, NOW).fresh, false);
  assert.match(judgeFreshness('nightly', failure, null, 26 * HOUR, NOW).message, /never passed/);
  const none = judgeFreshness('nightly', null, null, 26 * HOUR, NOW);
  assert.equal(none.fresh, false);
  assert.equal(none.message, 'nightly: no drill recorded');
});

test('an unreadable finish time is no proof of freshness', () => {
  const pass = ledgerRun({ runId: 'p', finishedAt: 'yesterday' });
  assert.equal(judgeFreshness('nightly', pass, pass, 26 * HOUR, NOW).fresh, false);
});

test('ages read in their two largest units', () => {
  assert.equal(describeAge(40_000), '40s');
  assert.equal(describeAge(90_000), '1m 30s');
  assert.equal(describeAge(26 * HOUR + 5 * 60_000), '1d 2h');
  assert.equal(describeAge(5 * HOUR), '5h');
  assert.equal(describeAge(3 * 24 * HOUR), '3d');
});
