// Which targets of a physical drill replay in turn on one copy of the backup, and in what order: pure.
import type { CheckSpec, Target } from '../scenario/types.ts';
import { TIME_INCLUSIVE_STEP, type ResolvedTarget, type ReplayPosition } from '../restore/resolve-target.ts';

/** One target as the drill will restore it: the scenario's checks (the target adds its own) and what it resolved to. */
export interface ReplayCandidate {
  target: Target;
  checks: readonly CheckSpec[];
  resolved: ResolvedTarget | null;
}

/** The copies a drill makes: each lists targets (indexes into the candidates) in the order replay reaches them. */
export interface ReplayPlan {
  copies: number[][];
  /** Why a target was given a copy of its own although others share one (for the log). */
  alone: Array<{ index: number; why: string }>;
}

/**
 * Group targets so that replay reaches each in turn on one copy: sorted by where replay pauses, each checked
 * read-only while the server is paused in recovery, and only the last of a copy promoted. A target that needs a
 * promoted server ends its copy; one whose pause point is unknown before replaying gets a copy of its own.
 * `everyAlone`: why no target may share a copy in this drill (an upgrade, a fault hook, another tool's backup).
 * `liveSource`: other sessions wrote beside the markers (a url source), so a commit may fall between a marker's commit
 * and its restore point: a time target there may stop before the LSN or restore point of the same marker, and a
 * restartpoint between the two would let a resumed replay run past it unseen. It then starts a copy of its own.
 */
export function planReplay(
  candidates: readonly ReplayCandidate[],
  everyAlone: string | null,
  options: { liveSource?: boolean } = {},
): ReplayPlan {
  const alone: ReplayPlan['alone'] = [];
  if (everyAlone !== null || candidates.length < 2) {
    if (candidates.length > 1) candidates.forEach((_, index) => alone.push({ index, why: everyAlone! }));
    return { copies: candidates.map((_, index) => [index]), alone };
  }
  const unplaced: number[][] = [];
  const placed: Array<{ index: number; position: ReplayPosition }> = [];
  candidates.forEach((c, index) => {
    const position = c.resolved?.position ?? null;
    if (position) {
      placed.push({ index, position });
      return;
    }
    unplaced.push([index]);
    alone.push({
      index,
      why: c.resolved
        ? `where replay stops for ${c.target.label} is known only once it stops (not a marker, immediate or latest)`
        : `${c.target.label} did not resolve`,
    });
  });
  placed.sort((a, b) => a.position.gap - b.position.gap || a.position.step - b.position.step || a.index - b.index);
  const sorted: number[][] = [];
  let current: number[] = [];
  let previous: ReplayPosition | null = null;
  for (const { index, position } of placed) {
    const uncertain =
      options.liveSource === true &&
      position.step === TIME_INCLUSIVE_STEP &&
      previous !== null &&
      previous.gap === position.gap &&
      previous.step > 1 &&
      previous.step < TIME_INCLUSIVE_STEP;
    if (uncertain && current.length) {
      sorted.push(current);
      current = [];
      alone.push({
        index,
        why: `on a live source another commit may come before the ${candidates[index]!.target.label} stop, ahead of the target just before it`,
      });
    }
    previous = position;
    current.push(index);
    if (needsPromotion(candidates[index]!) === null) continue;
    sorted.push(current);
    current = [];
  }
  if (current.length) sorted.push(current);
  // A copy of one target among several: say which promotion forced it (its own, or the one just before it).
  sorted.forEach((copy, i) => {
    if (copy.length > 1 || placed.length < 2) return;
    const index = copy[0]!;
    if (alone.some((a) => a.index === index)) return;
    const own = candidates[index]!.target.kind === 'latest' ? null : needsPromotion(candidates[index]!);
    const previous = i > 0 ? sorted[i - 1]!.at(-1)! : null;
    const why =
      own ??
      (previous === null
        ? null
        : `${candidates[previous]!.target.label}, just before it, needs a promoted server (${needsPromotion(candidates[previous]!)})`);
    if (why) alone.push({ index, why });
  });
  return { copies: [...sorted, ...unplaced], alone };
}

/** Why a target's checks need a promoted (writable) server, which ends replay on its copy; null when read-only will do. */
export function needsPromotion(candidate: ReplayCandidate): string | null {
  const { target, resolved } = candidate;
  const checks = [...candidate.checks, ...target.checks];
  if (target.kind === 'latest') return 'latest ends recovery';
  if (checks.some((c) => c.kind === 'amcheck'))
    return 'amcheck installs its extension and takes ShareLocks, which a server in recovery refuses';
  if (checks.some((c) => c.kind === 'sql')) return 'sql checks may write, so they run on a promoted server';
  const expectations = resolved?.expectations;
  // Unlogged tables are judged in recovery by their init forks; an unlogged sequence's reset value is read only after.
  if (expectations?.sequences.some((s) => s.persistence === 'u'))
    return 'an unlogged sequence can be read only once the server is promoted';
  return null;
}
