// The Prometheus metrics of drills, built from the ledger in a registry of their own (never prom-client's global one).
import { Gauge, Registry } from 'prom-client';
import { objectiveOf, type LedgerRun } from '../ledger/ledger-run.ts';
import type { Verdict } from '../run/result.ts';
import { EnvironmentError } from '../core/errors.ts';

const VERDICTS: readonly Verdict[] = ['passed', 'failed', 'errored'];

/** What the metrics of one scenario are read from: its newest run, its newest passing run, its newest stored backup. */
export interface ScenarioRuns {
  scenario: string;
  lastRun: LedgerRun;
  lastPass: LedgerRun | null;
  /** When the newest complete backup of the scenario in the repository was taken (null: none, or not looked up). */
  newestBackupAt: string | null;
}

/** A registry holding the drill metrics of each scenario, measured at `now` (backup age). */
export function drillRegistry(scenarios: readonly ScenarioRuns[], now: Date): Registry {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[]): Gauge =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const lastSuccess = gauge(
    'recoverable_last_success_timestamp_seconds',
    'When the last passing drill of the scenario finished (Unix time; 0 when it never passed).',
    ['scenario'],
  );
  const lastRun = gauge(
    'recoverable_last_run_timestamp_seconds',
    'When the last drill of the scenario finished (Unix time).',
    ['scenario'],
  );
  const verdict = gauge(
    'recoverable_drill_verdict',
    "The last drill's verdict: 1 for the verdict it had, 0 for the others.",
    ['scenario', 'method', 'verdict'],
  );
  const rto = gauge('recoverable_rto_seconds', 'Recovery time measured by the last drill.', ['scenario', 'method']);
  const rtoObjective = gauge(
    'recoverable_rto_objective_seconds',
    "The scenario's recovery time objective at the last drill.",
    ['scenario', 'method'],
  );
  const rpo = gauge('recoverable_rpo_seconds', 'Data-loss window measured by the last drill.', ['scenario', 'method']);
  const rpoObjective = gauge(
    'recoverable_rpo_objective_seconds',
    "The scenario's recovery point objective at the last drill.",
    ['scenario', 'method'],
  );
  const checksFailed = gauge('recoverable_checks_failed', 'Checks of the last drill that failed or errored.', [
    'scenario',
    'method',
  ]);
  const checks = gauge('recoverable_checks', 'Checks of the last drill by status.', ['scenario', 'method', 'status']);
  const drilledBackup = gauge(
    'recoverable_drilled_backup_timestamp_seconds',
    'When the backup the last drill restored was taken (Unix time).',
    ['scenario', 'method'],
  );
  const newestBackup = gauge(
    'recoverable_last_backup_timestamp_seconds',
    'When the newest complete backup of the scenario in the repository was taken (Unix time).',
    ['scenario', 'method'],
  );
  const backupAge = gauge(
    'recoverable_backup_age_seconds',
    "Age of the scenario's newest complete backup in the repository when these metrics were written.",
    ['scenario', 'method'],
  );
  for (const { scenario, lastRun: run, lastPass, newestBackupAt } of scenarios) {
    const labels = { scenario, method: run.backup?.method ?? 'none' };
    lastSuccess.set({ scenario }, lastPass ? seconds(lastPass.finishedAt) : 0);
    lastRun.set({ scenario }, seconds(run.finishedAt));
    for (const v of VERDICTS) verdict.set({ ...labels, verdict: v }, run.verdict === v ? 1 : 0);
    setObjective(run, 'rto', labels, rto, rtoObjective);
    setObjective(run, 'rpo', labels, rpo, rpoObjective);
    checksFailed.set(labels, run.checkCounts.failed + run.checkCounts.errored);
    for (const [status, n] of Object.entries(run.checkCounts)) checks.set({ ...labels, status }, n);
    if (run.backup) drilledBackup.set(labels, seconds(run.backup.takenAt));
    // The age a monitor alerts on: the newest backup, which nightly `recoverable backup` runs move between drills.
    if (newestBackupAt !== null) {
      const taken = seconds(newestBackupAt);
      newestBackup.set(labels, taken);
      backupAge.set(labels, Math.max(0, now.getTime() / 1000 - taken));
    }
  }
  return registry;
}

// Measured and objective of one kind; a value that was not measured is left out, never written as 0.
function setObjective(
  run: LedgerRun,
  kind: 'rto' | 'rpo',
  labels: { scenario: string; method: string },
  measuredGauge: Gauge,
  objectiveGauge: Gauge,
): void {
  const objective = objectiveOf(run, kind);
  if (!objective) return;
  objectiveGauge.set(labels, objective.objectiveMs / 1000);
  if (objective.measuredMs !== null) measuredGauge.set(labels, objective.measuredMs / 1000);
}

function seconds(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms))
    throw new EnvironmentError('ledger-damaged', `the ledger holds "${iso}" where a timestamp belongs`);
  return ms / 1000;
}
