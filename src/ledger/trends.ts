// What a scenario's recent runs say: the current streak and whether RTO and RPO are getting better or worse.
import type { Verdict } from '../run/result.ts';
import { measured, type LedgerObjective, type LedgerRun } from './ledger-run.ts';

/** The newest run's verdict and how many runs in a row ended with it. */
export interface Streak {
  verdict: Verdict;
  count: number;
}

/** The median of the latest window of measurements against the window before it. */
export interface Trend {
  kind: LedgerObjective['kind'];
  /** Median of the newest `window` measured runs. */
  recentMs: number | null;
  /** Median of the `window` measured runs before those. */
  previousMs: number | null;
  /** `recent - previous` in milliseconds; null without both windows. */
  changeMs: number | null;
  window: number;
  /** Measured runs in each window (a window may be short). */
  recentRuns: number;
  previousRuns: number;
}

/** The streak in words: "5 passes in a row", "1 failure", "2 errored runs in a row". */
export function describeStreak(streak: Streak | null): string {
  if (!streak) return 'no runs recorded';
  const noun =
    streak.verdict === 'passed'
      ? ['pass', 'passes']
      : streak.verdict === 'failed'
        ? ['failure', 'failures']
        : ['errored run', 'errored runs'];
  return streak.count === 1 ? `1 ${noun[0]} (the latest run)` : `${streak.count} ${noun[1]} in a row`;
}

/** Median of the newest `window` measurements of `kind` against the `window` before them (runs given newest first). */
export function trendOf(runsNewestFirst: readonly LedgerRun[], kind: LedgerObjective['kind'], window: number): Trend {
  const values = runsNewestFirst.map((run) => measured(run, kind)).filter((v): v is number => v !== null);
  const recent = values.slice(0, window);
  const previous = values.slice(window, window * 2);
  const recentMs = median(recent);
  const previousMs = median(previous);
  return {
    kind,
    recentMs,
    previousMs,
    changeMs: recentMs !== null && previousMs !== null ? recentMs - previousMs : null,
    window,
    recentRuns: recent.length,
    previousRuns: previous.length,
  };
}

/** The median of `values`, or null when empty (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
