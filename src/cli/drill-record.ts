// After a drill: append it to the repository's run ledger, read the scenario's recent runs back, export metrics.
import type { Logger } from '../core/log.ts';
import { measured, objectiveOf, ledgerRunOf, type LedgerRun } from '../ledger/ledger-run.ts';
import { RunLedger } from '../ledger/run-ledger.ts';
import type { HistoryPoint, RunResult } from '../run/result.ts';
import type { ScenarioRuns } from '../metrics/drill-metrics.ts';
import { scenarioRuns } from './metrics-output.ts';

/** How many runs the report's history charts show. */
export const HISTORY_RUNS = 30;

/** What recording a run gave: its history for the reports and what the metrics read (null when the ledger failed), and every problem met. */
export interface Recorded {
  history: HistoryPoint[] | null;
  metrics: ScenarioRuns | null;
  problems: Error[];
}

/** Append the finished run and read its scenario's history; a failure is returned, never thrown, so reports are still written. */
export function recordRun(repository: string, result: RunResult, exitCode: number, log: Logger): Recorded {
  try {
    return RunLedger.with(repository, { create: true }, (ledger): Recorded => {
      ledger!.append(ledgerRunOf(result, exitCode));
      log.info(`recorded run ${result.runId} in the run ledger ${ledger!.path}`);
      const history = ledger!.recent(result.scenario.name, HISTORY_RUNS).reverse().map(historyPoint);
      // Metrics come from the ledger, so the last success survives a failing run.
      return { history, metrics: scenarioRuns(ledger!, [result.scenario.name])[0] ?? null, problems: [] };
    });
  } catch (error) {
    return { history: null, metrics: null, problems: [error as Error] };
  }
}

/** One ledger run as a point of the report's history charts. */
export function historyPoint(run: LedgerRun): HistoryPoint {
  return {
    runId: run.runId,
    finishedAt: run.finishedAt,
    verdict: run.verdict,
    rtoMs: measured(run, 'rto'),
    rtoObjectiveMs: objectiveOf(run, 'rto')?.objectiveMs ?? null,
    rpoMs: measured(run, 'rpo'),
    rpoObjectiveMs: objectiveOf(run, 'rpo')?.objectiveMs ?? null,
    checksFailed: run.checkCounts.failed + run.checkCounts.errored,
  };
}
