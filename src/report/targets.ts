// The targets overview shared by the Markdown and HTML reports: one row per restore, whatever the run's size.
import { formatDuration, restoreLabel } from './format.ts';
import { recoveryTimeMs } from '../drill/objectives.ts';
import { restoreVerdict } from '../run/verdict.ts';
import type { RestoreResult, RunResult, Verdict } from '../run/result.ts';

/** One restore at a glance: where it was meant to go, where it went, how that is proved, its verdict and time. */
export interface TargetRow {
  label: string;
  target: string;
  /** What was reached, e.g. `lsn 0/3000100, xid 812`. */
  reached: string;
  proof: string;
  verdict: Verdict;
  /** The restore's recovery time: the sum of its phases. */
  rto: string;
  /** Counts of its checks by status, e.g. `2997 passed, 3 failed`. */
  checks: string;
}

/** One row per restore, in run order. */
export function targetRows(result: RunResult): TargetRow[] {
  return result.restores.map((restore) => ({
    label: restoreLabel(result.scenario.name, restore),
    target: restore.target,
    reached: reachedText(restore.reached),
    proof: restore.reached.proof,
    verdict: restoreVerdict(restore),
    rto: formatDuration(recoveryTimeMs(restore)),
    checks: checkCounts(restore),
  }));
}

function reachedText(reached: RestoreResult['reached']): string {
  const where = [
    reached.lsn ? `lsn ${reached.lsn}` : '',
    reached.xid ? `xid ${reached.xid}` : '',
    reached.time ? `time ${reached.time}` : '',
  ].filter(Boolean);
  return where.length ? `${reached.kind}: ${where.join(', ')}` : reached.kind;
}

function checkCounts(restore: RestoreResult): string {
  const order = ['passed', 'failed', 'errored', 'skipped'] as const;
  const counts = order
    .map((status) => [status, restore.checks.filter((c) => c.status === status).length] as const)
    .filter(([, n]) => n > 0);
  return counts.length ? counts.map(([status, n]) => `${n} ${status}`).join(', ') : 'no checks';
}
