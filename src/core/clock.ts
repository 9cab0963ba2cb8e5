// An injectable clock, so phases and objectives can be tested without waiting.

export interface Clock {
  /** Milliseconds since an arbitrary origin, monotonic. */
  now(): number;
  /** Wall-clock time for reports. */
  date(): Date;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  date: () => new Date(),
};

/** Time one async step; returns its value and its duration in milliseconds. */
export async function timed<T>(clock: Clock, step: () => Promise<T>): Promise<{ value: T; durationMs: number }> {
  const started = clock.now();
  const value = await step();
  return { value, durationMs: Math.round(clock.now() - started) };
}
