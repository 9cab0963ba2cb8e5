// Objectives as pure functions of measured phases: RTO and RPO against the scenario.
import type { ObjectiveResult, RestoreResult } from '../report/result.ts';

/** Recovery time of one restore: the sum of its phases (fetch/verify, environment, restore, checks). */
export function recoveryTimeMs(restore: Pick<RestoreResult, 'phases'>): number {
  return restore.phases.reduce((sum, p) => sum + p.durationMs, 0);
}

/** RTO: the slowest restore of the run must fit the objective. */
export function rtoObjective(objectiveMs: number, restores: readonly RestoreResult[]): ObjectiveResult {
  const measured = restores.filter((r) => !r.error).map(recoveryTimeMs);
  if (measured.length === 0 || measured.length < restores.length) {
    return { name: 'rto', objectiveMs, measuredMs: measured.length ? Math.max(...measured) : null, status: 'errored', basis: 'a restore did not complete, so its recovery time is unknown' };
  }
  const worst = Math.max(...measured);
  return {
    name: 'rto', objectiveMs, measuredMs: worst, status: worst <= objectiveMs ? 'passed' : 'failed',
    basis: `slowest restore, sum of its phases (${restores[0]!.phases.map((p) => p.name).join(', ')})`,
  };
}

/** RPO of a dump: it recovers to its snapshot, so the loss window is the time from snapshot to the drill. */
export function dumpRpoObjective(objectiveMs: number, snapshotAt: Date, sourceLastChangeAt: Date | null, drillAt: Date): ObjectiveResult {
  if (sourceLastChangeAt) {
    const measuredMs = Math.max(0, sourceLastChangeAt.getTime() - snapshotAt.getTime());
    return { name: 'rpo', objectiveMs, measuredMs, status: measuredMs <= objectiveMs ? 'passed' : 'failed', basis: 'measured: last commit on the source minus the backup snapshot (everything up to the snapshot is recovered exactly)' };
  }
  const measuredMs = Math.max(0, drillAt.getTime() - snapshotAt.getTime());
  return {
    name: 'rpo', objectiveMs, measuredMs, status: measuredMs <= objectiveMs ? 'passed' : 'failed',
    basis: 'estimate (upper bound): age of the backup snapshot when the drill ran; changes on the source after the snapshot are not in it',
  };
}
