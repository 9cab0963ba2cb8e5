// The text of `recoverable history`: a table of runs, the streak, and the RTO/RPO trends.
import { formatDuration } from '../report/format.ts';
import { measured, objectiveOf, type LedgerRun } from '../ledger/ledger-run.ts';
import { describeStreak, type Trend } from '../ledger/trends.ts';
import type { ScenarioHistory } from './history.ts';

/** The lines printed for one scenario's history. */
export function renderHistory(history: ScenarioHistory): string[] {
  const lines = [`${history.scenario}: ${describeStreak(history.streak)}`];
  if (history.runs.length === 0) return lines;
  const header = ['finished', 'verdict', 'RTO (objective)', 'RPO (objective)', 'checks failed', 'backup'];
  const rows = history.runs.map((run) => [
    run.finishedAt,
    run.verdict.toUpperCase(),
    objectiveCell(run, 'rto'),
    objectiveCell(run, 'rpo'),
    String(run.checkCounts.failed + run.checkCounts.errored),
    run.backup ? `${run.backup.id} (${run.backup.method})` : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `  ${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}`;
  lines.push(line(header), ...rows.map(line));
  for (const trend of history.trends) lines.push(`  ${describeTrend(trend)}`);
  return lines;
}

// `12.1 s (5 min)`; `-` when the scenario set no such objective.
function objectiveCell(run: LedgerRun, kind: 'rto' | 'rpo'): string {
  const objective = objectiveOf(run, kind);
  if (!objective) return '-';
  return `${formatDuration(measured(run, kind))} (${formatDuration(objective.objectiveMs)})`;
}

/** One trend in words: the medians of the two windows and which way it went. */
export function describeTrend(trend: Trend): string {
  const name = trend.kind.toUpperCase();
  if (trend.recentMs === null) return `${name} trend: not measured in the recent runs`;
  const recent = `median ${formatDuration(trend.recentMs)} over the last ${trend.recentRuns} measured run${trend.recentRuns === 1 ? '' : 's'}`;
  if (trend.previousMs === null || trend.changeMs === null)
    return `${name} trend: ${recent}; no earlier runs to compare with`;
  // A longer RTO is a slower restore; a longer RPO is more data lost.
  const [worse, better] = trend.kind === 'rto' ? ['slower', 'faster'] : ['more data lost', 'less data lost'];
  const change = formatDuration(Math.abs(trend.changeMs));
  const what =
    trend.changeMs > 0 ? `${worse} by ${change}` : trend.changeMs < 0 ? `${better} by ${change}` : 'unchanged';
  return `${name} trend: ${recent}, ${what} than the ${trend.previousRuns} before (median ${formatDuration(trend.previousMs)})`;
}
