// A small seeded pseudo-random generator (mulberry32): the same seed always yields the same sequence,
// which is what makes a managed source's workload, and so its fingerprints, reproducible.

/** A deterministic source of pseudo-random numbers; never use Math.random where results must repeat. */
export interface Prng {
  /** The next unsigned 32-bit integer. */
  uint32(): number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `count` distinct elements of `items`, in the order drawn. */
  sample<T>(items: readonly T[], count: number): T[];
}

/**
 * Create a generator from an integer seed. Seeds are taken modulo 2^32, so 42 and 42 + 2^32 coincide.
 * @throws RangeError when the seed is not a safe integer.
 */
export function createPrng(seed: number): Prng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`prng seed must be an integer, got ${seed}`);
  let state = seed >>> 0;

  // mulberry32 by Tommy Ettinger: one 32-bit state word, good enough spread for test data.
  const uint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => uint32() / 0x1_0000_0000;
  const int = (min: number, max: number): number => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`prng range must be integers with min <= max, got [${min}, ${max}]`);
    }
    return min + Math.floor(next() * (max - min + 1));
  };
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError('prng cannot pick from an empty list');
    return items[int(0, items.length - 1)] as T;
  };
  // Partial Fisher-Yates on a copy: distinct picks without touching the caller's list.
  const sample = <T>(items: readonly T[], count: number): T[] => {
    if (!Number.isInteger(count) || count < 0 || count > items.length) {
      throw new RangeError(`prng cannot sample ${count} of ${items.length} items`);
    }
    const pool = items.slice();
    for (let i = 0; i < count; i++) {
      const j = int(i, pool.length - 1);
      [pool[i], pool[j]] = [pool[j] as T, pool[i] as T];
    }
    return pool.slice(0, count);
  };

  return { uint32, next, int, chance: (p) => next() < p, pick, sample };
}
