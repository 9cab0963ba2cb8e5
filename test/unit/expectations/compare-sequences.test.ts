import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSequences } from '../../../src/expectations/compare-sequences.ts';
import type { SequenceExpectation } from '../../../src/expectations/types.ts';
import type { CheckResult } from '../../../src/run/result.ts';

const seq = (name: string, lastValue: string, extra: Partial<SequenceExpectation> = {}): SequenceExpectation => ({
  schema: 'hostile',
  name,
  lastValue,
  isCalled: true,
  increment: '1',
  start: '1',
  minValue: '1',
  maxValue: '100',
  cycle: false,
  persistence: 'p',
  ...extra,
});
const down = (lastValue: string, extra: Partial<SequenceExpectation> = {}): SequenceExpectation =>
  seq('down_seq', lastValue, { increment: '-1', start: '-1', minValue: '-1000', maxValue: '-1', ...extra });

function one(want: SequenceExpectation, have: SequenceExpectation | null, physical = false): CheckResult {
  const results = compareSequences([want], have ? [have] : [], { physical, durationMs: 0 });
  assert.equal(results.length, 1);
  return results[0]!;
}

test('a descending sequence set back toward its start fails; one further down passes (bounded)', () => {
  const back = one(down('-5'), down('-3'));
  assert.equal(back.status, 'failed');
  assert.equal(back.exactness, 'bounded');
  assert.match(
    back.message,
    /sequence hostile\.down_seq went back to -3 \(backup: -5, descending by 1\): new rows would reuse ids/,
  );
  const further = one(down('-5'), down('-9'));
  assert.equal(further.status, 'passed');
  assert.equal(further.expected, 'at or past -5 (descending by 1)');
  assert.equal(one(down('-5'), down('-5')).status, 'passed');
});

test('an ascending sequence behind fails, at or ahead passes (bounded)', () => {
  assert.equal(one(seq('up', '5'), seq('up', '4')).status, 'failed');
  assert.equal(one(seq('up', '5'), seq('up', '5', { isCalled: false })).status, 'failed');
  assert.equal(one(seq('up', '5'), seq('up', '37')).status, 'passed');
});

test('a sequence that did not move while pg_dump ran must come back exactly: ahead or behind both fail', () => {
  const want = down('-5', { unmovedDuringDump: true });
  const exact = one(want, down('-5'));
  assert.equal(exact.status, 'passed');
  assert.equal(exact.exactness, 'exact');
  assert.match(exact.message, /exactly as dumped/);
  const behind = one(want, down('-3'));
  assert.equal(behind.status, 'failed');
  assert.match(behind.message, /at -3, the dump set it to -5 \(descending by 1\): behind it: new rows would reuse ids/);
  const ahead = one(want, down('-6'));
  assert.equal(ahead.status, 'failed');
  assert.match(ahead.message, /not what the dump holds/);
  assert.equal(one(want, down('-5', { isCalled: false })).status, 'failed', 'is_called is part of the position');
  // A physical restore may be ahead by what was WAL-logged in advance: the mark of a dump does not apply to it.
  assert.equal(one(want, down('-37'), true).status, 'passed');
});

test('a cycling sequence is bounded (it may wrap) unless it did not move during the dump, and fails when its parameters changed', () => {
  const cycling = seq('cycle_seq', '2', { maxValue: '3', cycle: true });
  const wrapped = one(cycling, { ...cycling, lastValue: '1' });
  assert.equal(wrapped.status, 'passed');
  assert.equal(wrapped.exactness, 'bounded');
  assert.match(wrapped.message, /cycles between 1 and 3/);
  // Unmoved while pg_dump ran: the dump holds exactly that position, so a restore must set exactly it.
  const unmoved = { ...cycling, unmovedDuringDump: true };
  const reset = one(unmoved, { ...cycling, lastValue: '1', isCalled: false });
  assert.equal(reset.status, 'failed');
  assert.equal(reset.exactness, 'exact');
  assert.match(reset.message, /sequence hostile\.cycle_seq at 1 \(not yet called\), the dump set it to 2/);
  assert.equal(one(unmoved, { ...cycling }).status, 'passed');
  const changed = one(cycling, { ...cycling, maxValue: '4' });
  assert.equal(changed.status, 'failed');
  assert.match(changed.message, /restored with other parameters: maximum 4 \(backup: 3\)/);
  assert.equal(
    one(down('-5'), down('-5', { increment: '1' })).status,
    'failed',
    'a flipped direction fails whatever the position',
  );
});

test('after a physical restore an unlogged sequence must be exactly at its start, not yet called', () => {
  const scratch = seq('scratch_id_seq', '3', { persistence: 'u' });
  const reset = one(scratch, seq('scratch_id_seq', '1', { persistence: 'u', isCalled: false }), true);
  assert.equal(reset.status, 'passed');
  assert.equal(reset.exactness, 'exact');
  assert.match(
    reset.message,
    /unlogged, reset by the physical restore to its start 1 \(not yet called\), as expected \(backup: 3\)/,
  );
  const kept = one(scratch, seq('scratch_id_seq', '3', { persistence: 'u' }), true);
  assert.equal(kept.status, 'failed');
  assert.match(
    kept.message,
    /unlogged sequence hostile\.scratch_id_seq at 3 after a physical restore, which resets it to its start 1 \(not yet called\)/,
  );
  assert.equal(
    one(scratch, seq('scratch_id_seq', '1', { persistence: 'u' }), true).status,
    'failed',
    'called once since the reset',
  );
  // A dump restore sets it like any other sequence.
  assert.equal(one(scratch, seq('scratch_id_seq', '1', { persistence: 'u', isCalled: false })).status, 'failed');
  // Rewritten by ALTER SEQUENCE: its init fork holds the state of that moment, which nothing records.
  const rewritten = one({ ...scratch, rewritten: true }, seq('scratch_id_seq', '2', { persistence: 'u' }), true);
  assert.equal(rewritten.status, 'skipped');
  assert.equal(rewritten.exactness, 'not-available');
});

test('a missing sequence fails; expectations stored before parameters were captured compare ascending', () => {
  assert.equal(one(seq('up', '5'), null).status, 'failed');
  const old = { schema: 'shop', name: 'orders_id_seq', lastValue: '1200', isCalled: true };
  assert.equal(one(old, { ...old, lastValue: '1199' }).status, 'failed');
  assert.equal(one(old, { ...old, lastValue: '1201' }).status, 'passed');
  assert.equal(one(old, { ...old, lastValue: '1199' }).id, 'sequence:shop.orders_id_seq');
});
