import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBehind, markUnmovedDuringDump, nextValue } from '../../../src/expectations/sequence-position.ts';
import type { SequenceExpectation } from '../../../src/expectations/types.ts';

const at = (lastValue: string, isCalled = true): { lastValue: string; isCalled: boolean } => ({ lastValue, isCalled });

test('the next value counts from last_value once called, and is last_value itself before', () => {
  assert.equal(nextValue(at('5'), 1n), 6n);
  assert.equal(nextValue(at('5', false), 1n), 5n);
  assert.equal(nextValue(at('-5'), -2n), -7n);
});

test('behind means "would hand out a value the backup already handed out", in the direction the sequence counts', () => {
  // Ascending: lower is behind.
  assert.equal(isBehind(at('5'), at('4'), 1n), true);
  assert.equal(isBehind(at('5'), at('5'), 1n), false);
  assert.equal(isBehind(at('5'), at('9'), 1n), false);
  assert.equal(isBehind(at('5'), at('5', false), 1n), true, 'not yet called at 5 hands out 5 again');
  assert.equal(isBehind(at('5', false), at('4'), 1n), false, '4 called and 5 not called both hand out 5 next');
  // Descending: higher is behind; -3 after -5 would hand out -4 and -5 again.
  assert.equal(isBehind(at('-5'), at('-3'), -1n), true);
  assert.equal(isBehind(at('-5'), at('-6'), -1n), false);
  assert.equal(isBehind(at('-5'), at('-5'), -1n), false);
  // Big values stay exact (no float rounding).
  assert.equal(isBehind(at('9223372036854775801'), at('9223372036854775800'), 1n), true);
});

const seq = (name: string, lastValue: string, extra: Partial<SequenceExpectation> = {}): SequenceExpectation => ({
  schema: 's',
  name,
  lastValue,
  isCalled: true,
  cycle: false,
  ...extra,
});

test('a sequence is marked unmoved during the dump only when it read the same before and after, a cycling one too', () => {
  const before = [
    seq('same', '5'),
    seq('moved', '5'),
    seq('called', '5', { isCalled: false }),
    seq('cycles', '2', { cycle: true }),
    seq('cycled', '2', { cycle: true }),
    seq('gone', '1'),
  ];
  const after = [
    seq('same', '5'),
    seq('moved', '6'),
    seq('called', '5'),
    seq('cycles', '2', { cycle: true }),
    seq('cycled', '1', { cycle: true }),
  ];
  const marked = markUnmovedDuringDump(before, after);
  assert.deepEqual(
    marked.map((s) => [s.name, s.unmovedDuringDump === true]),
    [
      ['same', true],
      ['moved', false],
      ['called', false],
      ['cycles', true],
      ['cycled', false],
      ['gone', false],
    ],
  );
  assert.deepEqual(
    marked.map((s) => s.lastValue),
    ['5', '5', '5', '2', '2', '1'],
    'the positions read before pg_dump started are kept',
  );
});
