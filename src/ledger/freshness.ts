// Whether a scenario's last passing drill is recent enough: what `status --max-age` decides (a monitor's question).
import type { Verdict } from '../run/result.ts';
import type { LedgerRun } from './ledger-run.ts';

/** The answer for one scenario. */
export interface Freshness {
  scenario: string;
  /** True only when a passing drill finished no longer than `maxAgeMs` ago. */
  fresh: boolean;
  maxAgeMs: number;
  lastPass: { runId: string; finishedAt: string; ageMs: number } | null;
  lastRun: { runId: string; finishedAt: string; verdict: Verdict } | null;
  /** One line for a person: why fresh or not. */
  message: string;
}

/** Judge one scenario from its newest run and its newest passing run, at `now`. */
export function judgeFreshness(
  scenario: string,
  lastRun: LedgerRun | null,
  lastPass: LedgerRun | null,
  maxAgeMs: number,
  now: Date,
): Freshness {
  const base = {
    scenario,
    maxAgeMs,
    lastRun: lastRun ? { runId: lastRun.runId, finishedAt: lastRun.finishedAt, verdict: lastRun.verdict } : null,
  };
  if (!lastPass) {
    const message = lastRun
      ? `${scenario}: never passed (${lastRun.verdict} at ${lastRun.finishedAt} is the latest run)`
      : `${scenario}: no drill recorded`;
    return { ...base, fresh: false, lastPass: null, message };
  }
  const finished = Date.parse(lastPass.finishedAt);
  // An unreadable time is no proof of freshness.
  const ageMs = Number.isNaN(finished) ? Number.POSITIVE_INFINITY : now.getTime() - finished;
  const fresh = ageMs <= maxAgeMs;
  const latest =
    lastRun && lastRun.runId !== lastPass.runId ? `; latest run ${lastRun.verdict} at ${lastRun.finishedAt}` : '';
  const age = Number.isFinite(ageMs) ? describeAge(ageMs) : 'an unreadable time ago';
  const message = `${scenario}: last passed ${age} ago at ${lastPass.finishedAt} (run ${lastPass.runId}), ${fresh ? 'within' : 'older than'} ${describeAge(maxAgeMs)}${latest}`;
  return { ...base, fresh, lastPass: { runId: lastPass.runId, finishedAt: lastPass.finishedAt, ageMs }, message };
}

/** An age in the largest whole units: `3d 4h`, `26h 5m`, `40s`. */
export function describeAge(ms: number): string {
  if (ms < 0) return `-${describeAge(-ms)}`;
  const seconds = Math.floor(ms / 1000);
  const [d, h, m, s] = [
    Math.floor(seconds / 86_400),
    Math.floor(seconds / 3600) % 24,
    Math.floor(seconds / 60) % 60,
    seconds % 60,
  ];
  if (d > 0) return h ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return s ? `${m}m ${s}s` : `${m}m`;
  return `${s}s`;
}
