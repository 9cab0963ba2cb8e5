// Write and push the drill metrics of the scenarios a command covers, read from the ledger.
// prom-client (and what it loads) is imported only when metrics go somewhere: most drills export none.
import type { ScenarioRuns } from '../metrics/drill-metrics.ts';
import type { RunLedger } from '../ledger/run-ledger.ts';
import { LocalRepository } from '../repository/local-repository.ts';

/** Where metrics go, from --metrics-file and --pushgateway. */
export interface MetricsTargets {
  file: string | null;
  pushgateway: string | null;
}

/** The metrics targets the command line asked for; refused (exit 2) when they cannot work. */
export async function metricsTargets(args: Record<string, unknown>): Promise<MetricsTargets> {
  const targets = {
    file: args['metrics-file'] === undefined ? null : String(args['metrics-file']),
    pushgateway: args.pushgateway === undefined ? null : String(args.pushgateway),
  };
  if (targets.file === null && targets.pushgateway === null) return targets;
  const { checkMetricsTargets } = await import('../metrics/export.ts');
  checkMetricsTargets(targets.file, targets.pushgateway);
  return targets;
}

/** The newest run and newest passing run of each scenario that has a run (the newest backup is looked up later). */
export function scenarioRuns(ledger: RunLedger, scenarios: readonly string[]): ScenarioRuns[] {
  const out: ScenarioRuns[] = [];
  for (const scenario of scenarios) {
    const lastRun = ledger.recent(scenario, 1)[0];
    if (lastRun) out.push({ scenario, lastRun, lastPass: ledger.lastPassed(scenario), newestBackupAt: null });
  }
  return out;
}

/** The same runs with the time of each scenario's newest complete backup in `repository`. */
export async function withNewestBackups(runs: readonly ScenarioRuns[], repository: string): Promise<ScenarioRuns[]> {
  const backups = await new LocalRepository(repository).list();
  return runs.map((run) => {
    const taken = backups
      .filter((b) => b.record.scenario === run.scenario)
      .map((b) => b.record.startedAt)
      .sort();
    return { ...run, newestBackupAt: taken[taken.length - 1] ?? null };
  });
}

/** Write the textfile and push each scenario's group, as asked; returns what failed (every target is tried). */
export async function exportMetrics(
  runs: readonly ScenarioRuns[],
  targets: MetricsTargets,
  now: Date,
): Promise<Error[]> {
  const failures: Error[] = [];
  if (targets.file === null && targets.pushgateway === null) return failures;
  const [{ drillRegistry }, { pushMetrics, writeMetricsFile }] = await Promise.all([
    import('../metrics/drill-metrics.ts'),
    import('../metrics/export.ts'),
  ]);
  if (targets.file !== null)
    await writeMetricsFile(drillRegistry(runs, now), targets.file).catch((e: unknown) => failures.push(asError(e)));
  if (targets.pushgateway !== null) {
    // One group per scenario, so a push replaces only that scenario's metrics on the gateway.
    for (const run of runs)
      await pushMetrics(drillRegistry([run], now), targets.pushgateway, run.scenario).catch((e: unknown) =>
        failures.push(asError(e)),
      );
  }
  return failures;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
