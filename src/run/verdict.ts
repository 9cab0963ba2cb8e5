// The verdict of a run and the one line that says why: decided here, rendered by report/.
import type { CheckResult, RunResult, Verdict } from './result.ts';

/** All checks of a run, run-level first, then per restore. */
export function allChecks(result: RunResult): CheckResult[] {
  return [...result.checks, ...result.restores.flatMap((r) => r.checks)];
}

/** A run passes only if every check and every objective passes; anything errored makes it errored. */
export function decideVerdict(result: Pick<RunResult, 'checks' | 'restores' | 'objectives' | 'error'>): Verdict {
  const checks = [...result.checks, ...result.restores.flatMap((r) => r.checks)];
  const statuses = [...checks.map((c) => c.status), ...result.objectives.map((o) => o.status)];
  if (statuses.some((s) => s === 'failed')) return 'failed';
  if (result.error || statuses.some((s) => s === 'errored')) return 'errored';
  if (checks.length === 0) return 'errored';
  return 'passed';
}

// One line that says why the verdict is what it is.
export function summarize(result: RunResult): string {
  const checks: CheckResult[] = [...result.checks, ...result.restores.flatMap((r) => r.checks)];
  const count = (s: string): number => checks.filter((c) => c.status === s).length + result.objectives.filter((o) => o.status === s).length;
  const head = `${count('passed')} passed, ${count('failed')} failed, ${count('errored')} errored, ${count('skipped')} skipped`;
  const firstBad = checks.find((c) => c.status === 'failed' || c.status === 'errored') ?? result.objectives.find((o) => o.status !== 'passed');
  const notCompared = checks.filter((c) => c.status === 'skipped' && c.exactness === 'not-available').length;
  if (!firstBad && notCompared) return `${head}: the backup restores; ${notCompared} data comparison(s) had no exact expectation and were not made (see the report)`;
  if (!firstBad) return `${head}: the backup restores and matches what was backed up`;
  return `${head}; first: ${'id' in firstBad ? `${firstBad.id}: ${firstBad.message}` : `${firstBad.name}: ${firstBad.basis}`}`;
}

