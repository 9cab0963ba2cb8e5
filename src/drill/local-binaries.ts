// The local binaries a drill needs, as its plan lists them: checked before anything starts.
import type { Scenario } from '../scenario/types.ts';
import { requireBinaries } from '../env/binaries.ts';
import { planDrill } from './plan.ts';

/** The majors the scenario restores into (a url source's own major is known only once connected: none here). */
export function restoreVersions(scenario: Scenario): number[] {
  return planDrill(scenario).restoreMajors;
}

/** Throws the EnvironmentError (exit 3) naming the first missing local installation or tool; a docker scenario needs none. */
export function requireLocalBinaries(scenario: Scenario): void {
  // The source's, then each restore's, then a pg_upgrade rehearsal's newer major.
  for (const need of planDrill(scenario).binaries) requireBinaries(need.major, need.tools);
}
