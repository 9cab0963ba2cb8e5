import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrng } from '../../../src/source/prng.ts';

// Draw `count` raw words from a fresh generator.
function draws(seed: number, count = 64): number[] {
  const prng = createPrng(seed);
  return Array.from({ length: count }, () => prng.uint32());
}

test('the same seed gives the same sequence', () => {
  assert.deepEqual(draws(42), draws(42));
});

test('different seeds give different sequences', () => {
  assert.notDeepEqual(draws(42), draws(43));
  assert.notDeepEqual(draws(0), draws(1));
});

test('the sequence is pinned, so fingerprints stay reproducible across releases', () => {
  assert.deepEqual(draws(42, 3), [2581720956, 1925393290, 3661312704]);
});

test('next() stays in [0, 1) and int() stays within its inclusive bounds', () => {
  const prng = createPrng(7);
  for (let i = 0; i < 10_000; i++) {
    const x = prng.next();
    assert.ok(x >= 0 && x < 1, `next() gave ${x}`);
    const n = prng.int(-3, 3);
    assert.ok(Number.isInteger(n) && n >= -3 && n <= 3, `int(-3, 3) gave ${n}`);
  }
});

test('sample() draws distinct items deterministically and leaves the input alone', () => {
  const items = [1, 2, 3, 4, 5, 6, 7, 8];
  const first = createPrng(5).sample(items, 4);
  assert.deepEqual(createPrng(5).sample(items, 4), first);
  assert.equal(new Set(first).size, 4);
  assert.deepEqual(items, [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('bad arguments are rejected', () => {
  assert.throws(() => createPrng(1.5), RangeError);
  assert.throws(() => createPrng(1).int(3, 2), RangeError);
  assert.throws(() => createPrng(1).pick([]), RangeError);
  assert.throws(() => createPrng(1).sample([1, 2], 3), RangeError);
});
