// The local binaries a drill needs, known from the scenario alone: checked before anything starts.
import type { Scenario } from '../scenario/types.ts';
import { requireBinaries } from '../env/binaries.ts';
import { UPGRADE_TOOLS } from '../env/environment.ts';
import { sourceBinaries } from '../backup/take-backup.ts';
import { RESTORE_TOOLS } from './restore-dump-target.ts';
import { PHYSICAL_RESTORE_TOOLS } from './restore-physical-target.ts';

/** The majors the scenario restores into (a url source's own major is known only once connected: none here). */
export function restoreVersions(scenario: Scenario): number[] {
  return scenario.restore.matrix?.version ?? (scenario.restore.version ? [scenario.restore.version] : scenario.source.kind === 'managed' ? [scenario.source.version] : []);
}

/** Throws the EnvironmentError (exit 3) naming the first missing local installation or tool; a docker scenario needs none. */
export function requireLocalBinaries(scenario: Scenario): void {
  if (scenario.restore.environment !== 'local') return;
  sourceBinaries(scenario);
  // An incremental chain is combined by pg_combinebackup of the restore's major.
  const physical = scenario.backup.incremental ? [...PHYSICAL_RESTORE_TOOLS, 'pg_combinebackup'] : PHYSICAL_RESTORE_TOOLS;
  for (const version of restoreVersions(scenario)) requireBinaries(version, scenario.backup.method === 'dump' ? RESTORE_TOOLS : physical);
  // A pg_upgrade rehearsal runs the newer major's initdb, pg_upgrade and server on this machine too.
  if (scenario.restore.upgrade) requireBinaries(scenario.restore.upgrade.to, UPGRADE_TOOLS);
}
