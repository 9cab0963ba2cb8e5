// Work a drill runs while its first restore copies the backup (pg_verifybackup): the restore waits for it after the
// copy, before its server starts, so the recovery time counts the wait, not the work twice.
import { timed, type Clock } from '../core/clock.ts';
import type { Phase } from '../run/result.ts';

/** What a restore needs of work beside its copy: the phase to count once the copy is made. */
export interface BesideCopy {
  phaseAfterCopy(clock: Clock): Promise<Phase>;
}

/** Work started before the first copy; the restore that copies waits for it, and every later restore counts that wait. */
export class AlongsideCopy<T> implements BesideCopy {
  readonly #name: string;
  readonly #work: Promise<{ value: T; durationMs: number }>;
  #waited: Phase | null = null;

  /** Start `work` now, timed by `clock` from here to its end (its environment, its tools, their disposal). */
  constructor(name: string, clock: Clock, work: () => Promise<T>) {
    this.#name = name;
    this.#work = timed(clock, work);
    // Its failure is the drill's to report (`result`); a restore that only waits for it must not leave it unhandled.
    this.#work.catch(() => undefined);
  }

  /**
   * The phase a restore counts after its copy: the first caller waits for the work and measures the wait; every later
   * restore (a fresh copy, the next target on a shared one) counts that same wait, as a restore alone would spend it.
   */
  async phaseAfterCopy(clock: Clock): Promise<Phase> {
    if (!this.#waited) {
      const waited = await timed(clock, () =>
        this.#work.then(
          (done) => done.durationMs,
          () => null,
        ),
      );
      // Work that failed has no duration of its own to report: only the wait is known.
      this.#waited = {
        name: this.#name,
        durationMs: waited.durationMs,
        alongside: { phase: 'copy', ...(waited.value === null ? {} : { ranMs: waited.value }) },
      };
    }
    return { ...this.#waited, alongside: { ...this.#waited.alongside! } };
  }

  /** The work's own value (or its error): the drill reports it whether or not any restore waited for it. */
  async result(): Promise<T> {
    return (await this.#work).value;
  }
}
