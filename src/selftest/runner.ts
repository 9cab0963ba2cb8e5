// The self-test, as a recipe: per method, a clean drill that must pass, then one drill per fault on a copy of its backup.
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/log.ts';
import type { Clock } from '../core/clock.ts';
import { timeId } from '../core/ids.ts';
import { InterruptedError, RecoverableError } from '../core/errors.ts';
import { interruption, throwIfInterrupted } from '../core/interrupt.ts';
import { drillVerdict, type DrillVerdict } from '../drill/drill.ts';
import type { AfterRestoreHook } from '../drill/restore-dump-target.ts';
import type { CheckResult, RunResult } from '../run/result.ts';
import { allChecks } from '../run/verdict.ts';
import type { Scenario } from '../scenario/types.ts';
import type { BackupMethod, DrillRunner, EnvironmentKind, Fault, FaultContext } from './fault.ts';
import { copyRepository, openBackup } from './inject/backup-copy.ts';
import { decideSelftest, judgeChecks, type Judgement } from './judge.ts';
import { faultsFor } from './registry.ts';
import { resolveEvidenceKeys } from '../evidence/scenario-keys.ts';
import {
  SELFTEST_SCHEMA_VERSION,
  type CleanRun,
  type FaultOutcome,
  type MethodRun,
  type SelftestResult,
} from './result.ts';
import { cleanScenario, reuseBackup } from './scenario.ts';
import { TOOL_VERSION } from '../core/tool-version.ts';

/** What to test: methods, where, which major, which faults. */
export interface SelftestOptions {
  methods: readonly BackupMethod[];
  environment: EnvironmentKind;
  version: number;
  /** Fault ids to run; every fault that applies when absent. */
  only?: readonly string[];
  /** Where repositories and clusters live while the self-test runs (its own directory in here is removed after). */
  workRoot: string;
  /** Test seam: check kinds left out of every drill. The self-test must then fail, naming what slipped through. */
  weaken?: { dropChecks: readonly string[] };
}

/** One step done or starting: the clean drill of a method or one fault. */
export interface SelftestProgress {
  step: number;
  total: number;
  method: BackupMethod;
  /** `clean` or a fault id. */
  name: string;
  elapsedMs: number;
  /** Set when the step is done: `passed`/`failed`/`errored` for a clean drill, the outcome for a fault. */
  outcome?: string;
  message?: string;
}

/** What the self-test is given: logger, clock, and where progress goes. */
export interface SelftestDeps {
  log: Logger;
  clock: Clock;
  onProgress?: (progress: SelftestProgress) => void;
}

/** The self-test's result, whether the machine stopped it, and every drill's own result (evidence for the report). */
export interface SelftestRun {
  result: SelftestResult;
  /** A clean drill could not run on this machine: the fix is there, not in the backups (the CLI exits 3). */
  stoppedByEnvironment: boolean;
  drills: Array<{ method: BackupMethod; name: string; result: RunResult }>;
}

/** Run the self-test; a machine that cannot run the clean drill throws (category environment), as a drill would. */
export async function runSelftest(options: SelftestOptions, deps: SelftestDeps): Promise<SelftestRun> {
  const startedAt = deps.clock.date();
  const started = deps.clock.now();
  // With --only, a method none of the named faults applies to is not run at all.
  const plan = options.methods
    .map((method) => ({ method, faults: faultsFor(method, options.environment, options.only) }))
    .filter((p) => !options.only || p.faults.length > 0);
  const total = plan.reduce((n, p) => n + 1 + p.faults.length, 0);
  let step = 0;
  const session: Session = {
    options,
    clock: deps.clock,
    log: quietLogger(deps.log),
    drills: [],
    progress: (method, name, outcome, message) => {
      if (!outcome) step++;
      deps.onProgress?.({
        step,
        total,
        method,
        name,
        elapsedMs: Math.round(deps.clock.now() - started),
        ...(outcome ? { outcome } : {}),
        ...(message ? { message } : {}),
      });
    },
  };
  // One private directory for every repository, copy and fixture; gone after the run, an error or Ctrl-C.
  await mkdir(options.workRoot, { recursive: true });
  const dir = await mkdtemp(join(options.workRoot, 'recoverable-selftest-'));
  await chmod(dir, 0o755);
  const unregister = interruption.onInterrupt(() => rm(dir, { recursive: true, force: true }));
  const methods: MethodRun[] = [];
  let environmentFault = false;
  try {
    for (const { method, faults } of plan) {
      const { run, machineGaveOut } = await runMethod(session, method, faults, join(dir, method));
      methods.push(run);
      environmentFault ||= machineGaveOut;
    }
  } finally {
    unregister();
    await rm(dir, { recursive: true, force: true });
  }
  const { verdict, summary } = decideSelftest(methods);
  const result: SelftestResult = {
    schemaVersion: SELFTEST_SCHEMA_VERSION,
    kind: 'selftest',
    runId: timeId(startedAt),
    tool: { name: 'recoverable', version: TOOL_VERSION },
    startedAt: startedAt.toISOString(),
    finishedAt: deps.clock.date().toISOString(),
    verdict,
    summary,
    environment: { kind: options.environment, version: options.version },
    weakened: [...(options.weaken?.dropChecks ?? [])],
    methods,
  };
  return { result, stoppedByEnvironment: environmentFault, drills: session.drills };
}

// What every method's steps share.
interface Session {
  options: SelftestOptions;
  clock: Clock;
  log: Logger;
  drills: SelftestRun['drills'];
  /** A step starts (no outcome) or ends. */
  progress: (method: BackupMethod, name: string, outcome?: string, message?: string) => void;
}

// One method: the clean drill takes the backup every fault reuses and must pass; then each fault on it.
async function runMethod(
  session: Session,
  method: BackupMethod,
  faults: readonly Fault[],
  dir: string,
): Promise<{ run: MethodRun; machineGaveOut: boolean }> {
  const { options, clock } = session;
  const context = { method, environment: options.environment, version: options.version, log: session.log };
  const drill = drillRunner(session.log, clock, (name, result) => session.drills.push({ method, name, result }));
  session.progress(method, 'clean');
  const base = await cleanScenario({ ...context, dir, dropChecks: options.weaken?.dropChecks ?? [] });
  const started = clock.now();
  const clean = await drill(base);
  const cleanRun = cleanRunOf(clean, base, Math.round(clock.now() - started));
  session.progress(method, 'clean', cleanRun.verdict, cleanRun.summary);
  // The machine gave out under the clean drill (a container engine gone, say): its faults would only error too.
  const machineGaveOut = clean.stoppedByEnvironment && clean.result.verdict !== 'passed';
  const outcomes: FaultOutcome[] = [];
  for (const fault of faults) {
    throwIfInterrupted();
    session.progress(method, fault.id);
    const outcome = machineGaveOut
      ? notRun(fault, method, `the machine could not run the clean drill: ${cleanRun.summary}`)
      : await runFault(
          fault,
          { ...context, dir: join(dir, 'faults', fault.id) },
          base,
          cleanRun.backupId,
          drill,
          clock,
        );
    outcomes.push(outcome);
    session.progress(method, fault.id, outcome.outcome, outcome.message);
  }
  return { run: { method, clean: cleanRun, faults: outcomes }, machineGaveOut };
}

// Drills of faults log their expected failures as warnings: only errors are worth showing beside the matrix, unless debugging.
function quietLogger(log: Logger): Logger {
  return log.isLevelEnabled('debug') || !log.isLevelEnabled('error') ? log : log.child({}, { level: 'error' });
}

// Every drill of the self-test runs the same way, its result kept as evidence.
function drillRunner(log: Logger, clock: Clock, keep: (name: string, result: RunResult) => void): DrillRunner {
  return async (scenario: Scenario, afterRestore?: AfterRestoreHook, label?: string): Promise<DrillVerdict> => {
    const outcome = await drillVerdict(scenario, { log, clock, ...(afterRestore ? { afterRestore } : {}) });
    keep(label ?? scenario.name, outcome.result);
    return outcome;
  };
}

function cleanRunOf(clean: DrillVerdict, scenario: Scenario, durationMs: number): CleanRun {
  return {
    verdict: clean.result.verdict,
    summary: clean.result.summary,
    ...(clean.result.backup ? { backupId: clean.result.backup.id } : {}),
    targets: scenario.restore.targets.map((t) => t.label),
    durationMs,
  };
}

// One fault: inject it at its stage, run the drill (or the probe), judge which check failed.
async function runFault(
  fault: Fault,
  ctx: FaultContext,
  base: Scenario,
  backupId: string | undefined,
  drill: DrillRunner,
  clock: Clock,
): Promise<FaultOutcome> {
  const head = outcomeHead(fault, ctx.method);
  const judge = (checks: readonly CheckResult[]): Judgement => judgeChecks(head.expectedCheck, fault.reason, checks);
  const started = clock.now();
  const finish = (judged: Judgement, injected?: string, drillVerdict?: RunResult['verdict']): FaultOutcome => ({
    ...head,
    ...(injected ? { injected } : {}),
    ...judged,
    ...(drillVerdict ? { drillVerdict } : {}),
    durationMs: Math.round(clock.now() - started),
  });
  if (!backupId && fault.injection.stage !== 'source')
    return notRun(fault, ctx.method, 'the clean drill left no backup to inject into');
  await mkdir(ctx.dir, { recursive: true, mode: 0o755 });
  // The clean backup was signed with this key: faults written "as the backup was" are signed with it again.
  const { signer } = resolveEvidenceKeys(base);
  try {
    const injection = fault.injection;
    switch (injection.stage) {
      case 'backup':
      case 'archive': {
        const copy = await copyRepository(base.repository, join(ctx.dir, 'repository'), backupId!, signer);
        const injected = await injection.apply(copy, ctx);
        const { result } = await drill(
          reuseBackup(base, copy.repository, backupId!, injection.targets),
          undefined,
          `${base.name}-${fault.id}`,
        );
        return finish(judge(allChecks(result)), injected, result.verdict);
      }
      case 'repository': {
        const copy = await copyRepository(base.repository, join(ctx.dir, 'repository'), backupId!, signer);
        const { injected, use } = await injection.apply(copy, ctx);
        try {
          const { result } = await drill(
            reuseBackup(base, copy.repository, use),
            undefined,
            `${base.name}-${fault.id}`,
          );
          return finish(judge(allChecks(result)), injected, result.verdict);
        } catch (error) {
          // A refusal before anything is restored is the drill's answer here: judged like a failed check.
          if (!(error instanceof RecoverableError) || error.category !== 'usage') throw error;
          const refusal: CheckResult = {
            id: 'backup.use',
            kind: 'backup',
            status: 'failed',
            message: error.message,
            durationMs: 0,
          };
          return finish(judge([refusal]), injected, 'failed');
        }
      }
      case 'restored': {
        let injected: string | undefined;
        const { result } = await drill(
          reuseBackup(base, base.repository, backupId!),
          async (cluster, database) => {
            injected = await injection.apply(cluster, database, ctx);
          },
          `${base.name}-${fault.id}`,
        );
        // Checks that failed on a restore the fault never reached prove nothing about the fault.
        if (injected === undefined)
          return finish(
            {
              outcome: 'errored',
              failedChecks: [],
              message: `the fault was not injected (the restore failed before it, or the injection did): ${result.summary}`,
            },
            undefined,
            result.verdict,
          );
        return finish(judge(allChecks(result)), injected, result.verdict);
      }
      case 'target': {
        const { result } = await drill(
          reuseBackup(base, base.repository, backupId!, injection.targets),
          undefined,
          `${base.name}-${fault.id}`,
        );
        return finish(
          judge(allChecks(result)),
          `restore targets: ${injection.targets.map((t) => t.label).join(', ')}`,
          result.verdict,
        );
      }
      case 'archiving': {
        const { injected, checks } = await injection.probe(await openBackup(base.repository, backupId!, signer), ctx);
        return finish(judge(checks), injected);
      }
      case 'source': {
        const { injected, outcome } = await injection.drill(base, ctx, drill);
        return finish(judge(allChecks(outcome.result)), injected, outcome.result.verdict);
      }
    }
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    const message = error instanceof RecoverableError ? `${error.code}: ${error.message}` : (error as Error).message;
    return finish({
      outcome: 'errored',
      failedChecks: [],
      message: `the fault could not be injected or drilled: ${message}`,
    });
  } finally {
    await rm(ctx.dir, { recursive: true, force: true });
  }
}

// What an outcome says about its fault before anything ran.
function outcomeHead(
  fault: Fault,
  method: BackupMethod,
): Pick<FaultOutcome, 'id' | 'family' | 'method' | 'stage' | 'injects' | 'expectedCheck' | 'expectedReason'> {
  return {
    id: fault.id,
    family: fault.family,
    method,
    stage: fault.injection.stage,
    injects: fault.injects,
    expectedCheck: fault.caughtBy[method]!,
    expectedReason: String(fault.reason),
  };
}

function notRun(fault: Fault, method: BackupMethod, why: string): FaultOutcome {
  return { ...outcomeHead(fault, method), outcome: 'not-run', failedChecks: [], message: why, durationMs: 0 };
}
