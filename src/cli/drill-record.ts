// After a drill: append it to the repository's run ledger, read the scenario's recent runs back, export metrics.
import type { Logger } from '../core/log.ts';
import { measured, objectiveOf, ledgerRunOf, type LedgerRun } from '../ledger/ledger-run.ts';
import { RunLedger } from '../ledger/run-ledger.ts';
import type { HistoryPoint, RunResult } from '../run/result.ts';
import { exportMetrics, scenarioRuns, type MetricsTargets } from './metrics-output.ts';

/** How many runs the report's history charts show. */
export const HISTORY_RUNS = 30;

/** What recording a run gave: its history for the reports (null when the ledger failed) and every problem met. */
export interface Recorded {
  history: HistoryPoint[] | null;
  problems: Error[];
}

/** Append the finished run and read its scenario's history; a failure is returned, never thrown, so reports are still written. */
export function recordRun(repository: string, result: RunResult, exitCode: number, log: Logger): Recorded {
  try {
    using ledger = RunLedger.open(repository, { create: true })!;
    ledger.append(ledgerRunOf(result, exitCode));
    log.info(`recorded run ${result.runId} in the run ledger ${ledger.path}`);
    return { history: ledger.recent(result.scenario.name, HISTORY_RUNS).reverse().map(historyPoint), problems: [] };
  } catch (error) {
    return { history: null, problems: [error as Error] };
  }
}

/** Export the scenario's metrics from the ledger (so the last success survives a failing run); returns what failed. */
export async function exportRunMetrics(repository: string, scenario: string, targets: MetricsTargets, now: Date): Promise<Error[]> {
  if (targets.file === null && targets.pushgateway === null) return [];
  try {
    using ledger = RunLedger.open(repository, { create: false });
    if (!ledger) return [new Error(`no run ledger in ${repository}: metrics are read from it`)];
    return await exportMetrics(scenarioRuns(ledger, [scenario]), targets, now);
  } catch (error) {
    return [error as Error];
  }
}

/** One ledger run as a point of the report's history charts. */
export function historyPoint(run: LedgerRun): HistoryPoint {
  return {
    runId: run.runId, finishedAt: run.finishedAt, verdict: run.verdict,
    rtoMs: measured(run, 'rto'), rtoObjectiveMs: objectiveOf(run, 'rto')?.objectiveMs ?? null,
    rpoMs: measured(run, 'rpo'), rpoObjectiveMs: objectiveOf(run, 'rpo')?.objectiveMs ?? null,
    checksFailed: run.checkCounts.failed + run.checkCounts.errored,
  };
}
