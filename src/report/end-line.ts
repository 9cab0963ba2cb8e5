// The line a drill ends with on stdout: verdict, scenario, the measured RTO and RPO, then the summary.
import { formatDuration } from './format.ts';
import { recoveryTimeMs } from '../drill/objectives.ts';
import type { ObjectiveResult, RunResult } from '../run/result.ts';

/** `PASSED quickstart: RTO 12.1 s (objective 5 min), RPO 3 s (objective 1 h); 41 passed, ...`. */
export function endLine(result: RunResult): string {
  return `${result.verdict.toUpperCase()} ${result.scenario.name}: ${measured(result, 'rto')}, ${measured(result, 'rpo')}; ${result.summary}`;
}

function measured(result: RunResult, name: ObjectiveResult['name']): string {
  const label = name.toUpperCase();
  const objective = result.objectives.find((o) => o.name === name);
  if (objective) {
    const value = objective.measuredMs === null ? 'not measured' : formatDuration(objective.measuredMs);
    return `${label} ${value} (objective ${formatDuration(objective.objectiveMs)}${objective.status === 'passed' ? '' : `, ${objective.status}`})`;
  }
  // No RTO objective: the slowest restore's time is still what a recovery took.
  if (name === 'rto' && result.restores.length)
    return `${label} ${formatDuration(Math.max(...result.restores.map(recoveryTimeMs)))} (no objective)`;
  return `${label} not measured (no objective)`;
}
