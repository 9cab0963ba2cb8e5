// An injectable clock, so phases, objectives and poll loops can be tested without waiting.
import { setTimeout as wait } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds since an arbitrary origin, monotonic. */
  now(): number;
  /** Wall-clock time for reports. */
  date(): Date;
  /** Wait `ms` milliseconds: a poll loop's pause between looks. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  date: () => new Date(),
  sleep: (ms) => wait(ms),
};

/** Time one async step; returns its value and its duration in milliseconds. */
export async function timed<T>(clock: Clock, step: () => Promise<T>): Promise<{ value: T; durationMs: number }> {
  const started = clock.now();
  const value = await step();
  return { value, durationMs: Math.round(clock.now() - started) };
}
