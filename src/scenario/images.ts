// Which PostgreSQL major and image a scenario's steps run in: pure rules, read by the drill plan and the dump step.
import type { Scenario } from './types.ts';
import { upgradeImage } from '../env/environment.ts';

/** The image a docker restore into `major` runs in: the scenario's own, or one holding both majors of an upgrade, or postgres:<major>. */
export function restoreImage(scenario: Scenario, major: number): string {
  // A matrix over docker images names each by its major.
  const image = scenario.restore.matrix ? undefined : scenario.restore.image;
  const upgrade = scenario.restore.upgrade;
  return image ?? (upgrade ? upgradeImage(major, upgrade.to) : `postgres:${major}`);
}

/**
 * The major whose pg_dump takes a dump of a `sourceMajor` server: at least the source's (pg_dump refuses a newer
 * server) and no newer than the oldest restore target (pg_restore cannot read a newer archive format).
 */
export function dumpMajor(scenario: Scenario, sourceMajor: number): number {
  const targets = scenario.restore.matrix?.version ?? [scenario.restore.version ?? sourceMajor];
  return Math.max(sourceMajor, Math.min(...targets));
}

/** The image a docker drill's pg_dump runs in when it is newer than the source's: the restore's image of that major. */
export function dumpImage(scenario: Scenario, sourceMajor: number): string {
  return restoreImage(scenario, dumpMajor(scenario, sourceMajor));
}
