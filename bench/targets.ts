// The targets as this run measured them: each judged where it is measured, then all of them again at the end.
import { say, seconds } from './util.ts';

/** PASS and MISS judge a measured figure; NOT MEASURED says why there is none and how to get it, never a pass. */
export type TargetVerdict = 'PASS' | 'MISS' | 'NOT MEASURED';

/** One figure against its target. */
export interface TargetLine {
  name: string;
  /** The figure, with its unit and what it was measured against (e.g. `1.21x (24.3s / 20.1s)`). */
  measured: string;
  /** The target, e.g. `<= 1.30x`. */
  target: string;
  verdict: TargetVerdict;
}

const judged: TargetLine[] = [];

/** Print a figure judged against its target and keep it for the summary. */
export function judge(name: string, measured: string, target: string, met: boolean): void {
  record({ name, measured, target, verdict: met ? 'PASS' : 'MISS' });
}

/** Judge `ms / baseMs` against at most `limit` times, printing both times. */
export function judgeRatio(name: string, ms: number, baseMs: number, limit: number): void {
  const ratio = ms / baseMs;
  judge(name, `${ratio.toFixed(2)}x (${seconds(ms)} / ${seconds(baseMs)})`, `<= ${limit.toFixed(2)}x`, ratio <= limit);
}

/** Print why a target has no figure in this run (and what would give one), and keep it for the summary. */
export function notMeasured(name: string, why: string, target: string): void {
  record({ name, measured: why, target, verdict: 'NOT MEASURED' });
}

function record(line: TargetLine): void {
  judged.push(line);
  say(formatLine(line));
}

/** `PASS  name: measured (target ...)`, one line. */
export function formatLine(line: TargetLine): string {
  return `${line.verdict.padEnd(12)} ${line.name}: ${line.measured} (target ${line.target})`;
}

/** Every target judged in this run, in the order measured. */
export function printTargetSummary(heading: string): void {
  if (!judged.length) return;
  say('');
  say(heading);
  for (const line of judged) say(formatLine(line));
}
