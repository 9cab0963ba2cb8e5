// `recoverable drill <scenario...>`: the main job.
import { loadDrillScenario } from '../drill/drill-environment.ts';
import { drillVerdict } from '../drill/drill.ts';
import { systemClock } from '../core/clock.ts';
import { ExitCode, verdictExitCode } from './exit-code.ts';
import { redactSecrets } from '../core/redact.ts';
import { resolveEvidenceKeys } from '../evidence/scenario-keys.ts';
import type { CommandContext } from './context.ts';
import { exportMetrics, metricsTargets, withNewestBackups } from './metrics-output.ts';
import type { ScenarioRuns } from '../metrics/drill-metrics.ts';

/** Run each scenario's drill; the exit code is the worst of them (3 > 1 > 0). */
export async function handler(args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const files = args.scenario as string[];
  const metrics = await metricsTargets(args);
  const flag = args.environment as 'local' | 'docker' | undefined;
  // Load every scenario first: a bad one stops the run before anything starts.
  const scenarios = [];
  for (const file of files) {
    const scenario = await loadDrillScenario(file, { cwd: ctx.cwd, ...(flag ? { flag } : {}) }, ctx.log);
    // Keys too: a missing or misplaced key is exit 2 before any drill starts.
    scenarios.push({ scenario, keys: resolveEvidenceKeys(scenario) });
  }
  // Ledger, reporters and evidence load while the first drill runs (mostly waiting on PostgreSQL), not before it.
  const finishing = import('./drill-finish.ts');
  finishing.catch(() => undefined); // awaited after the drill; a drill that throws first must not leave it unhandled
  let worst = 0;
  const exported: ScenarioRuns[] = [];
  for (const { scenario, keys } of scenarios) {
    // Every line of this drill names its scenario (and, from runDrill on, its run): several drills share one log.
    const log = ctx.log.child({ scenario: scenario.name });
    log.info(`drill ${scenario.name} (${scenario.path})`);
    const verdict = await drillVerdict(scenario, { log, clock: systemClock, keys });
    const { result } = verdict;
    const exitCode = verdictExitCode(verdict);
    const { finishDrill } = await finishing;
    const recorded = await finishDrill(scenario, result, exitCode, keys.signer, log, args['step-summary'] !== false);
    const problems = recorded.problems;
    if (recorded.metrics && (metrics.file !== null || metrics.pushgateway !== null)) {
      await withNewestBackups([recorded.metrics], scenario.repository).then(
        (runs) => exported.push(...runs),
        (error: unknown) => problems.push(error as Error),
      );
    }
    worst = worse(worst, unseenPass(exitCode, problems));
  }
  // One metrics file for every scenario of this command (a second write would replace the first's).
  if (metrics.file === null && metrics.pushgateway === null) return worst;
  return unseenPass(worst, await exportMetrics(exported, metrics, systemClock.date()));
}

// A pass nobody can see is not a pass a monitor can rely on: an unrecorded or unexported pass exits 3 (the machine's
// fault, not the backup's); a failed drill keeps its own exit code, which already says more.
function unseenPass(exitCode: number, problems: readonly Error[]): number {
  for (const problem of problems) process.stderr.write(`recoverable: ${redactSecrets(problem.message)}\n`);
  return exitCode === ExitCode.passed && problems.length > 0 ? ExitCode.environment : exitCode;
}

function worse(a: number, b: number): number {
  return rank(b) > rank(a) ? b : a;
}

function rank(code: number): number {
  return code === 3 ? 3 : code === 1 ? 2 : code === 0 ? 0 : 1;
}
