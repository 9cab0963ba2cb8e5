// What a drill of a scenario needs, worked out once from the scenario and facts about this machine: pure, no processes.
import type { Scenario } from '../scenario/types.ts';
import { UPGRADE_TOOLS } from '../env/environment.ts';
import { restoreImage } from '../scenario/images.ts';
import { DUMP_TOOLS, SERVER_TOOLS } from '../backup/tools.ts';

/** Tools a dump restore runs. */
export const RESTORE_TOOLS: readonly string[] = [...SERVER_TOOLS, 'pg_restore'];
/** Tools a physical restore runs (an incremental chain adds pg_combinebackup). */
export const PHYSICAL_RESTORE_TOOLS: readonly string[] = SERVER_TOOLS;

/** Why a major or an image is needed: the managed source runs in it, a restore does, or a pg_upgrade rehearsal. */
export type Purpose = 'source' | 'restore' | 'upgrade';

/** Local binaries of one major and the tools a local drill runs of it. */
export interface BinariesNeed {
  major: number;
  tools: readonly string[];
  purpose: Purpose;
}

/** An image a docker drill runs in; `upgradeTo` when it must hold that newer major too. */
export interface ImageNeed {
  image: string;
  major: number;
  purpose: Purpose;
  upgradeTo?: number;
}

/** What the caller found on this machine; null where it did not ask. */
export interface MachineFacts {
  /** Majors with local binaries installed. */
  installedMajors: readonly number[] | null;
  /** Whether a Docker engine answers. */
  engineAnswers: boolean | null;
  /** Images the engine holds, as repository:tag. */
  images: readonly string[] | null;
}

/** Facts nobody gathered: the plan then lists needs and no missing ones. */
export const UNKNOWN_MACHINE: MachineFacts = { installedMajors: null, engineAnswers: null, images: null };

/** The majors, tools, images and restores a drill of one scenario needs, and which of them this machine lacks. */
export interface DrillPlan {
  environment: 'local' | 'docker';
  /** The managed source's major (a url source's is known only once connected). */
  sourceMajor: number | null;
  /** The majors restored into (none known yet for a url source without restore.version). */
  restoreMajors: number[];
  /** One restore per target, and per major for a dump matrix. */
  restoresPerMajor: number;
  /** Local drill: binaries of each major, in the order they are checked. */
  binaries: BinariesNeed[];
  /** Docker drill: each image, once. */
  images: ImageNeed[];
  /** What the facts say is absent: majors not installed, images not held, the engine not answering. */
  missing: { majors: number[]; images: string[]; engine: boolean };
}

/** Plan a drill of `scenario` on a machine described by `facts`. */
export function planDrill(scenario: Scenario, facts: MachineFacts = UNKNOWN_MACHINE): DrillPlan {
  const sourceMajor = scenario.source.kind === 'managed' ? scenario.source.version : null;
  const restoreMajors = restoreMajorsOf(scenario);
  const environment = scenario.restore.environment;
  const binaries = environment === 'local' ? binariesNeeded(scenario, sourceMajor, restoreMajors) : [];
  const images = environment === 'docker' ? imagesNeeded(scenario, sourceMajor, restoreMajors) : [];
  const installed = facts.installedMajors;
  const held = facts.images;
  return {
    environment,
    sourceMajor,
    restoreMajors,
    restoresPerMajor: scenario.restore.targets.length,
    binaries,
    images,
    missing: {
      majors: installed ? [...new Set(binaries.map((b) => b.major))].filter((m) => !installed.includes(m)) : [],
      images: held ? images.map((i) => i.image).filter((i) => !held.includes(i)) : [],
      engine: environment === 'docker' && facts.engineAnswers === false,
    },
  };
}

/** The image a restore of `major` runs in: one rule, shared with the dump step (scenario/images.ts). */
export { restoreImage };

// The restore's majors: the matrix's, restore.version, or a managed source's own.
function restoreMajorsOf(scenario: Scenario): number[] {
  return (
    scenario.restore.matrix?.version ??
    (scenario.restore.version
      ? [scenario.restore.version]
      : scenario.source.kind === 'managed'
        ? [scenario.source.version]
        : [])
  );
}

// A local drill runs the managed source, each restore and a pg_upgrade rehearsal with this machine's binaries.
function binariesNeeded(
  scenario: Scenario,
  sourceMajor: number | null,
  restoreMajors: readonly number[],
): BinariesNeed[] {
  const needs: BinariesNeed[] = [];
  if (sourceMajor !== null)
    needs.push({ major: sourceMajor, tools: [...SERVER_TOOLS, ...DUMP_TOOLS], purpose: 'source' });
  // An incremental chain is combined by pg_combinebackup of the restore's major.
  const physical = scenario.backup.incremental
    ? [...PHYSICAL_RESTORE_TOOLS, 'pg_combinebackup']
    : PHYSICAL_RESTORE_TOOLS;
  for (const major of restoreMajors)
    needs.push({ major, tools: scenario.backup.method === 'dump' ? RESTORE_TOOLS : physical, purpose: 'restore' });
  if (scenario.restore.upgrade)
    needs.push({ major: scenario.restore.upgrade.to, tools: UPGRADE_TOOLS, purpose: 'upgrade' });
  return needs;
}

// A docker drill restores in each major's image; a managed source runs in its own major's official image.
function imagesNeeded(scenario: Scenario, sourceMajor: number | null, restoreMajors: readonly number[]): ImageNeed[] {
  const needs: ImageNeed[] = [];
  const add = (need: ImageNeed): void => void (needs.some((n) => n.image === need.image) || needs.push(need));
  const upgrade = scenario.restore.upgrade;
  for (const major of restoreMajors)
    add({
      image: restoreImage(scenario, major),
      major,
      purpose: upgrade ? 'upgrade' : 'restore',
      ...(upgrade ? { upgradeTo: upgrade.to } : {}),
    });
  // The managed source runs in postgres:<its major> whatever image the restores use (see backup/managed/runtime.ts).
  if (sourceMajor !== null) add({ image: `postgres:${sourceMajor}`, major: sourceMajor, purpose: 'source' });
  return needs;
}
