import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayedToEndCheck, walContinuityCheck } from '../../../src/checks/wal-continuity.ts';
import type { WalContinuity } from '../../../src/repository/wal-continuity.ts';

const STOP = '000000010000000000000003';
const continuous: WalContinuity = {
  ok: true,
  missing: [],
  present: 5,
  partialOnly: [],
  timelines: [1],
  ranges: [{ first: '000000010000000000000002', last: '000000010000000000000006' }],
  forks: [],
  first: '000000010000000000000002',
  last: '000000010000000000000006',
  message: '5 segments archived',
};

test("every segment archived and each this cluster's passes with the archive's own words", () => {
  const check = walContinuityCheck({ continuity: continuous, foreign: [], stopSegment: STOP, durationMs: 3 });
  assert.equal(check.status, 'passed');
  assert.equal(check.id, 'wal:continuity');
  assert.equal(check.message, '5 segments archived');
});

test('a segment of another cluster fails even though none is missing', () => {
  const check = walContinuityCheck({
    continuity: continuous,
    foreign: ['000000010000000000000004'],
    stopSegment: STOP,
    durationMs: 3,
  });
  assert.equal(check.status, 'failed');
  assert.equal(check.actual, 1);
  assert.match(check.message, /not this cluster's: 000000010000000000000004/);
});

test("a gap after the backup's window fails with the archive's message", () => {
  const gap = {
    ...continuous,
    ok: false,
    missing: ['000000010000000000000005'],
    message: 'missing 000000010000000000000005',
  };
  const check = walContinuityCheck({ continuity: gap, foreign: [], stopSegment: STOP, durationMs: 3 });
  assert.equal(check.status, 'failed');
  assert.equal(check.message, 'missing 000000010000000000000005');
});

test("a gap inside the backup's own window says the backup itself is unusable", () => {
  const gap = {
    ...continuous,
    ok: false,
    missing: ['000000010000000000000003', '000000010000000000000005'],
    message: 'missing 2 segments',
  };
  const check = walContinuityCheck({ continuity: gap, foreign: [], stopSegment: STOP, durationMs: 3 });
  assert.equal(check.status, 'failed');
  assert.equal(check.actual, 2);
  assert.equal(
    check.message,
    'the backup itself is unusable from the archive alone: WAL of its own window is missing (000000010000000000000003); missing 2 segments',
  );
});

test("latest must replay into the archive's last segment: ending a segment or more short fails with both places", () => {
  const end = '000000020000000000000008';
  const segSize = 16 * 1024 * 1024;
  // The last replayed record ends inside segment 8, or exactly at its end.
  assert.equal(replayedToEndCheck(end, '0/8000150', segSize).status, 'passed');
  assert.equal(replayedToEndCheck(end, '0/9000000', segSize).status, 'passed');
  // Replay that ended at the very start of segment 8 read nothing of it; one that ended in segment 5 missed three.
  const short = replayedToEndCheck(end, '0/8000000', segSize);
  assert.equal(short.status, 'failed');
  const early = replayedToEndCheck(end, '0/5A3F2D8', segSize);
  assert.equal(early.status, 'failed');
  assert.equal(early.id, 'wal:replayed-to-end');
  assert.match(
    early.message,
    /replay ended at 0\/5A3F2D8 although the archive holds WAL up to 000000020000000000000008: 3 segment\(s\)/,
  );
  assert.equal(replayedToEndCheck(undefined, '0/5A3F2D8', segSize).status, 'skipped');
  assert.equal(replayedToEndCheck(end, null, segSize).status, 'errored');
});
