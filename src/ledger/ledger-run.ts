// What the ledger keeps of one drill: its verdict, objectives, phases and check counts, with every secret masked.
import { redactDeep } from '../core/redact.ts';
import type { CheckStatus, ObjectiveResult, RunResult, Verdict } from '../run/result.ts';

/** Checks of one run counted by status. */
export type CheckCounts = Record<CheckStatus, number>;

/** One objective as the ledger keeps it. */
export interface LedgerObjective {
  kind: ObjectiveResult['name'];
  objectiveMs: number;
  measuredMs: number | null;
  status: CheckStatus;
  basis: string;
}

/** One phase of one restore. */
export interface LedgerPhase {
  restoreIndex: number;
  target: string;
  name: string;
  durationMs: number;
}

/** One drill in the ledger (what `history`, `status` and the metrics read). */
export interface LedgerRun {
  runId: string;
  scenario: string;
  scenarioSha256: string;
  scenarioPath: string;
  startedAt: string;
  finishedAt: string;
  verdict: Verdict;
  exitCode: number;
  summary: string;
  errorCode: string | null;
  backup: {
    id: string;
    method: 'dump' | 'basebackup' | 'snapshot' | 'external';
    takenAt: string;
    taken: boolean;
  } | null;
  toolVersion: string;
  objectives: LedgerObjective[];
  phases: LedgerPhase[];
  checkCounts: CheckCounts;
}

/** The ledger row of a finished run; strings pass through redaction, so no password reaches the ledger. */
export function ledgerRunOf(result: RunResult, exitCode: number): LedgerRun {
  const run: LedgerRun = {
    runId: result.runId,
    scenario: result.scenario.name,
    scenarioSha256: result.scenario.sha256,
    scenarioPath: result.scenario.path,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    verdict: result.verdict,
    exitCode,
    summary: result.summary,
    errorCode: result.error?.code ?? null,
    backup: result.backup
      ? {
          id: result.backup.id,
          method: result.backup.method,
          takenAt: result.backup.takenAt,
          taken: result.backup.taken,
        }
      : null,
    toolVersion: result.tool.version,
    objectives: result.objectives.map((o) => ({
      kind: o.name,
      objectiveMs: o.objectiveMs,
      measuredMs: o.measuredMs,
      status: o.status,
      basis: o.basis,
    })),
    phases: result.restores.flatMap((restore, restoreIndex) =>
      restore.phases.map((p) => ({ restoreIndex, target: restore.target, name: p.name, durationMs: p.durationMs })),
    ),
    checkCounts: countChecks(result),
  };
  return redactDeep(run);
}

/** Every check of a run (run-level and per restore) counted by status. */
export function countChecks(result: RunResult): CheckCounts {
  const counts: CheckCounts = { passed: 0, failed: 0, skipped: 0, errored: 0 };
  for (const check of [...result.checks, ...result.restores.flatMap((r) => r.checks)]) counts[check.status] += 1;
  return counts;
}

/** The run's measured value of an objective, or null when it was not set or not measured. */
export function measured(run: LedgerRun, kind: LedgerObjective['kind']): number | null {
  return run.objectives.find((o) => o.kind === kind)?.measuredMs ?? null;
}

/** The run's objective of a kind, or null when the scenario set none. */
export function objectiveOf(run: LedgerRun, kind: LedgerObjective['kind']): LedgerObjective | null {
  return run.objectives.find((o) => o.kind === kind) ?? null;
}
