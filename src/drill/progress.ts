// What a person watching a drill sees between its steps: which restore of how many, how long the drill has run, and
// how each restore ended with its phases.
import { formatDuration } from '../report/format.ts';
import { phaseName } from '../report/restore-copy.ts';
import { restoreVerdict } from '../run/verdict.ts';
import type { RestoreResult } from '../run/result.ts';

/** `[2/8] restoring <what> (1 min 4 s into the drill)` */
export function restoreStarting(n: number, total: number, what: string, elapsedMs: number): string {
  return `[${n}/${total}] restoring ${what} (${formatDuration(elapsedMs)} into the drill)`;
}

/** `[2/8] latest: passed after fetch/verify 0.4 s, restore 3.2 s, checks 1.1 s (1 min 9 s into the drill)` */
export function restoreFinished(n: number, total: number, restore: RestoreResult, elapsedMs: number): string {
  const phases = restore.phases.map((p) => `${phaseName(p)} ${formatDuration(p.durationMs)}`).join(', ');
  return `[${n}/${total}] ${restore.target}: ${restoreVerdict(restore)}${phases ? ` after ${phases}` : ''} (${formatDuration(elapsedMs)} into the drill)`;
}
