// Objectives as pure functions of measured phases: RTO and RPO against the scenario.
import type { ObjectiveResult, RestoreResult } from '../run/result.ts';
import type { SourceHistory } from '../repository/history.ts';
import { parseInstant } from '../scenario/instant.ts';

/** Recovery time of one restore: the sum of its phases (fetch/verify, environment, restore, checks). */
export function recoveryTimeMs(restore: Pick<RestoreResult, 'phases'>): number {
  return restore.phases.reduce((sum, p) => sum + p.durationMs, 0);
}

/** Why a restore's recovery time proves nothing: it did not complete, or it completed wrong. Null when it is sound. */
export function unsoundRestore(restore: Pick<RestoreResult, 'target' | 'error' | 'checks'>): string | null {
  if (restore.error) return `the restore to ${restore.target} did not complete`;
  const bad = restore.checks.filter((c) => c.status === 'failed' || c.status === 'errored');
  return bad.length
    ? `the restore to ${restore.target} has ${bad.length} failed or errored check(s) (first: ${bad[0]!.id})`
    : null;
}

/** RTO: the slowest restore of the run must fit the objective, and only restores that reached a sound state count. */
export function rtoObjective(objectiveMs: number, restores: readonly RestoreResult[]): ObjectiveResult {
  if (restores.length === 0)
    return {
      name: 'rto',
      objectiveMs,
      measuredMs: null,
      status: 'errored',
      basis: 'no restore ran, so there is no recovery time',
    };
  // A restore that measured no phase has no recovery time, not a recovery time of zero.
  const timed = restores.filter((r) => r.phases.length > 0);
  const measured = timed.map(recoveryTimeMs);
  const worst = measured.length ? Math.max(...measured) : null;
  const unsound = restores
    .map((r) => unsoundRestore(r) ?? (r.phases.length ? null : `no phase of the restore to ${r.target} was measured`))
    .filter((why): why is string => why !== null);
  if (unsound.length || worst === null) {
    // A time over the objective is a finding even so; a time within it proves nothing about a broken restore.
    const over = worst !== null && worst > objectiveMs;
    return {
      name: 'rto',
      objectiveMs,
      measuredMs: worst,
      status: over ? 'failed' : 'errored',
      basis: `${over ? 'over the objective, and ' : ''}not a recovery time of a working restore: ${unsound.join('; ')}`,
    };
  }
  return {
    name: 'rto',
    objectiveMs,
    measuredMs: worst,
    status: worst <= objectiveMs ? 'passed' : 'failed',
    basis: `slowest restore, sum of its phases (${timed[measured.indexOf(worst)]!.phases.map((p) => p.name).join(', ')})`,
  };
}

/** RPO of a dump: it recovers to its snapshot, so the loss window is the time from snapshot to the drill. */
export function dumpRpoObjective(
  objectiveMs: number,
  snapshotAt: Date,
  sourceLastChangeAt: Date | null,
  drillAt: Date,
): ObjectiveResult {
  if (sourceLastChangeAt) {
    const measuredMs = Math.max(0, sourceLastChangeAt.getTime() - snapshotAt.getTime());
    return {
      name: 'rpo',
      objectiveMs,
      measuredMs,
      status: measuredMs <= objectiveMs ? 'passed' : 'failed',
      basis:
        'measured: last commit on the source minus the backup snapshot (everything up to the snapshot is recovered exactly)',
    };
  }
  const measuredMs = Math.max(0, drillAt.getTime() - snapshotAt.getTime());
  return {
    name: 'rpo',
    objectiveMs,
    measuredMs,
    status: measuredMs <= objectiveMs ? 'passed' : 'failed',
    basis:
      'estimate (upper bound): age of the backup snapshot when the drill ran; changes on the source after the snapshot are not in it',
  };
}

/** RPO of a replay to `latest`: the last commit on the source minus the last commit recovered (markers make both known). */
export function latestRpoObjective(
  objectiveMs: number,
  history: SourceHistory | null,
  lastReplayedCommit: string | null,
): ObjectiveResult {
  if (!history || !lastReplayedCommit) {
    return {
      name: 'rpo',
      objectiveMs,
      measuredMs: null,
      status: 'errored',
      basis: history
        ? 'the restore did not report its last replayed commit'
        : "no record of the source's last commit (a url source without markers): the data-loss window cannot be measured",
    };
  }
  const sourceEnd = parseInstant(history.end.lastCommitTime);
  const recovered = parseInstant(lastReplayedCommit);
  const unreadable = (problem: string): ObjectiveResult => ({
    name: 'rpo',
    objectiveMs,
    measuredMs: null,
    status: 'errored',
    basis: `${problem}: the data-loss window cannot be measured`,
  });
  if (!sourceEnd.ok) return unreadable(`the source's last commit time is unreadable (${sourceEnd.problem})`);
  if (!recovered.ok) return unreadable(`the last commit recovered is unreadable (${recovered.problem})`);
  // Microseconds on both sides, whatever offset each is written with; whole milliseconds out.
  const measuredMs = Math.max(0, Number((sourceEnd.micros - recovered.micros) / 1000n));
  return {
    name: 'rpo',
    objectiveMs,
    measuredMs,
    status: measuredMs <= objectiveMs ? 'passed' : 'failed',
    basis: `measured: last commit on the source (${history.end.lastCommitTime}) minus the last commit recovered (${lastReplayedCommit})`,
  };
}
