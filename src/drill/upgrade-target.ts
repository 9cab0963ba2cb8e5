// The pg_upgrade rehearsal as a step of a physical restore: after recovery, before the data checks.
import type { Logger } from '../core/log.ts';
import type { Clock } from '../core/clock.ts';
import { ScenarioError } from '../core/errors.ts';
import type { Cluster } from '../env/cluster.ts';
import type { RestoreEnvironment } from '../env/environment.ts';
import type { RestoreResult } from '../run/result.ts';
import type { UpgradeSpec } from '../scenario/types.ts';
import { rehearseUpgrade, type UpgradeOutcome } from '../restore/upgrade.ts';

/** A url source's major is known only from its backup: upgrading into it or an older one is a scenario error (exit 2). */
export function upgradeNeedsNewerMajor(spec: UpgradeSpec, from: number): void {
  if (spec.to > from) return;
  throw new ScenarioError(
    `restore.upgrade.to: pg_upgrade upgrades into a newer major, and ${spec.to} is not newer than the backup's PostgreSQL ${from}`,
    [
      {
        path: 'restore.upgrade.to',
        problem: `${spec.to} is not newer than the backup's ${from}`,
        fix: `set restore.upgrade.to above ${from}, or remove restore.upgrade`,
      },
    ],
  );
}

/**
 * Upgrade the recovered cluster; its checks and timed phases go into `restore`, the new major into its environment.
 * The caller runs the data checks on `cluster` of the outcome (none when the upgrade failed) and disposes it.
 */
export async function upgradeAfterRecovery(
  spec: UpgradeSpec,
  restored: Cluster,
  environment: RestoreEnvironment,
  restore: RestoreResult,
  jobs: number,
  log: Logger,
  clock: Clock,
): Promise<UpgradeOutcome> {
  // Cannot happen: restore-physical-target opens the environment with upgradeTo whenever the target has restore.upgrade.
  if (!environment.upgradeRuntime) throw new Error('an upgrade rehearsal needs an environment opened with upgradeTo');
  const outcome = await rehearseUpgrade({ spec, restored, newRuntime: environment.upgradeRuntime, jobs }, log, clock);
  restore.phases.push(...outcome.phases);
  restore.checks.push(...outcome.checks);
  restore.environment = { ...restore.environment, upgrade: outcome.summary };
  if (!outcome.cluster) {
    restore.checks.push({
      id: 'upgrade:data',
      kind: 'upgrade',
      status: 'skipped',
      exactness: 'not-available',
      message: `the data checks did not run: ${outcome.noClusterBecause ?? 'no cluster to check'}`,
      durationMs: 0,
    });
  }
  return outcome;
}
