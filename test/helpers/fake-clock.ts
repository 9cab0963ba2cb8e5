// A clock a test drives: sleeping moves time forward at once, so a poll loop's timeout is reached without waiting.
import type { Clock } from '../../src/core/clock.ts';

/** A clock whose time moves only when code sleeps on it; `slept` records each pause asked for. */
export interface FakeClock extends Clock {
  readonly slept: number[];
}

/** A fake clock starting at `start` ms (wall clock: the epoch plus that). */
export function fakeClock(start = 0): FakeClock {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    date: () => new Date(now),
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}
