// Restores of a physical backup to its targets: continuity, replay, proof, then the data and structure checks; targets
// that replay in turn on one copy share it.
import type { Logger } from '../core/log.ts';
import { timed, type Clock } from '../core/clock.ts';
import { EnvironmentError } from '../core/errors.ts';
import { openEnvironment } from '../env/environment.ts';
import { scoped, settleRestore, type ScopedEnvironment } from './restore-shape.ts';
import { PHYSICAL_RESTORE_TOOLS } from './plan.ts';
import type { Runtime } from '../env/runtime.ts';
import type { Cluster } from '../env/cluster.ts';
import { lsnToBigInt } from '../repository/wal-names.ts';
import { copyRestoreCommand } from '../source/archive-command.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import type { PhysicalBackupRecord } from '../repository/backup-record.ts';
import type { SourceHistory } from '../repository/history.ts';
import type { WalArchive } from '../repository/wal-archive.ts';
import type { CheckResult, Phase, RestoreResult } from '../run/result.ts';
import type { CheckSpec, Target, UpgradeSpec } from '../scenario/types.ts';
import type { Expectations } from '../expectations/capture.ts';
import { emptyExpectations } from '../expectations/types.ts';
import {
  restorePhysical,
  resumeReplay,
  settleLeg,
  type PhysicalRestoreInput,
  type PhysicalRestoreOutcome,
} from '../restore/physical-restore.ts';
import { resolveTarget, type ResolvedTarget } from '../restore/resolve-target.ts';
import { runRestoreChecks } from '../checks/run-checks.ts';
import { containerIsolationCheck } from '../checks/isolation.ts';
import { relationFilesCheck } from '../checks/relation-files.ts';
import { walContinuityCheck, readWalContinuity, replayedToEndCheck } from '../checks/wal-continuity.ts';
import { recoveryChecks } from '../checks/recovery.ts';
import { snapshotChecks, combineChecks } from '../checks/snapshot.ts';
import { restoredMarkersCheck } from '../checks/markers.ts';
import type { AfterRestoreHook } from './restore-dump-target.ts';
import type { ContainerWalCopy } from './container-wal.ts';
import { upgradeAfterRecovery, upgradeNeedsNewerMajor } from './upgrade-target.ts';
import type { BesideCopy } from '../restore/alongside.ts';

/** Targets for one copy, in the order replay reaches them (drill/replay-groups.ts decides which and in what order). */
export interface PhysicalCopyInput {
  repo: LocalRepository;
  /** Where to restore: local binaries or a container image (default postgres:<major>). */
  environment: { kind: 'local' | 'docker'; image?: string; runLabel: string };
  backup: StoredBackup<PhysicalBackupRecord>;
  /** The backup's files as the restore reads them: the repository's, or a decrypted copy. */
  files: StoredBackup<PhysicalBackupRecord>;
  /** An incremental backup's chain, oldest (the full backup) first: pg_combinebackup reads these, then `files`. */
  chain?: Array<StoredBackup<PhysicalBackupRecord>>;
  /** The backup's WAL archive as the restore reads it: the repository's, or a decrypted copy. */
  wal: WalArchive;
  /** Directories the environment must see besides the repository (a decrypted copy). */
  mounts: Array<{ path: string; readOnly: boolean }>;
  backupExpectations: Expectations | null;
  history: SourceHistory | null;
  targets: readonly Target[];
  /** The scenario's checks; each target adds its own. */
  checks: readonly CheckSpec[];
  restoreCommand: string;
  /** The archive is Recoverable's own (continuity can be verified), not another tool's. */
  ownArchive: boolean;
  /** Docker restores of the own archive: the drill's one copy of it for its containers (mounted through `mounts`). */
  containerWal: ContainerWalCopy | null;
  jobs: number;
  sharedPhases: Phase[];
  recoveryTimeoutMs: number;
  afterRestore?: AfterRestoreHook;
  /** After recovery: pg_upgrade into a newer major, whose cluster the data checks then run on. */
  upgrade?: UpgradeSpec;
  /** pg_verifybackup running beside the first copy: each copy's first restore counts its wait after the copy. */
  alongsideCopy?: BesideCopy;
}

/** A restore's result, and its last replayed commit time (for RPO). */
export interface PhysicalTargetOutcome {
  restore: RestoreResult;
  lastReplayedCommit: string | null;
}

/**
 * Restore the targets in turn on one copy: the first restored and replayed, each next one replayed on from where
 * the one before paused, every one but the last checked read-only in recovery. A target the copy cannot go on to
 * (the server refuses it, or the restore before it did not end paused) goes on a fresh copy with the ones after it.
 * Returns one outcome per target, in `targets` order; `done` hears of each as it finishes.
 */
export async function restorePhysicalCopy(
  input: PhysicalCopyInput,
  log: Logger,
  clock: Clock,
  done?: (outcome: PhysicalTargetOutcome) => void,
): Promise<PhysicalTargetOutcome[]> {
  const outcomes: PhysicalTargetOutcome[] = [];
  while (outcomes.length < input.targets.length) {
    const rest = input.targets.slice(outcomes.length);
    outcomes.push(...(await restoreOnOneCopy({ ...input, targets: rest }, log, clock, done)));
  }
  return outcomes;
}

/** What every target of one copy shares: its environment, its clusters, what the copy cost, the replay so far. */
interface CopyContext {
  input: PhysicalCopyInput;
  environment: ScopedEnvironment;
  clusters: AsyncDisposableStack;
  checksums: boolean;
  /** The environment and the copy (or clone, or combine): spent once, before the first target's replay. */
  copyPhases: Phase[];
  /** WAL replay spent on the copy before this target (its earlier targets). */
  replayedBefore: number;
  log: Logger;
  clock: Clock;
}

/** One target's restore on the copy: its result, and the copy still paused in recovery when replay may go on. */
interface Leg {
  outcome: PhysicalTargetOutcome;
  /** The settled restore to resume from (stopped in recovery), or null when the copy ends here. */
  next: PhysicalRestoreOutcome | null;
  /** The server would not go on to this target: restore it on a fresh copy instead (nothing is reported). */
  refused?: true;
}

// One copy: its first target is always restored and reported; returns the outcomes of the targets it reached.
async function restoreOnOneCopy(
  input: PhysicalCopyInput,
  log: Logger,
  clock: Clock,
  done: ((outcome: PhysicalTargetOutcome) => void) | undefined,
): Promise<PhysicalTargetOutcome[]> {
  const { backup, targets } = input;
  const physical = backup.record.physical;
  const outcomes: PhysicalTargetOutcome[] = [];
  const first = targets[0]!;
  const held: boolean[] = [];
  const report = (outcome: PhysicalTargetOutcome, inRecovery: boolean): void => {
    outcomes.push(outcome);
    held.push(inRecovery);
    // A later target may yet move to a fresh copy: each says how many targets this copy has served so far.
    outcomes.forEach((o, i) => {
      if (outcomes.length > 1 || held[i])
        o.restore.sharedCopy = {
          first: first.label,
          position: i + 1,
          targets: outcomes.length,
          checkedInRecovery: held[i]!,
        };
    });
    done?.(outcome);
  };
  const firstRestore = newRestore(first, input);
  // Step 1: what the target means here; an unknown marker is an error of this restore, not a pass.
  const firstGoal = resolveTarget(first, input.backupExpectations, input.history, physical.stopLsn);
  if (!firstGoal.ok) {
    firstRestore.checks.push(unresolvedCheck(firstGoal.problem));
    report({ restore: firstRestore, lastReplayedCommit: null }, false);
    return outcomes;
  }
  // Step 2: the archive must hold every segment from the backup's start to the target.
  // The archive's end on the followed timelines, as the continuity check found it before replay (`latest` must reach it).
  const archiveEnds: Array<string | undefined> = [];
  if (input.ownArchive) {
    const facts = await readWalContinuity(input.wal, physical, firstGoal.target.endLsn);
    firstRestore.checks.push(walContinuityCheck(facts));
    archiveEnds[0] = facts.continuity.last;
  }
  // Step 3: an environment of the backup's major (a missing engine or image: exit 3), then copy, neutralise, replay, prove.
  const started = clock.now();
  const chain = input.chain ?? [];
  const tools = chain.length ? [...PHYSICAL_RESTORE_TOOLS, 'pg_combinebackup'] : PHYSICAL_RESTORE_TOOLS;
  if (input.upgrade) upgradeNeedsNewerMajor(input.upgrade, backup.record.source.major);
  await using environment = scoped(
    await openEnvironment(
      {
        ...input.environment,
        version: backup.record.source.major,
        ...(input.upgrade ? { upgradeTo: input.upgrade.to } : {}),
        mounts: [{ path: input.repo.root, readOnly: true }, ...input.mounts],
        tools,
      },
      log,
    ),
  );
  const runtime = environment.runtime;
  // The restored cluster, then the upgraded one, each disposed (in reverse) before the environment.
  await using clusters = new AsyncDisposableStack();
  const context: CopyContext = {
    input,
    environment,
    clusters,
    checksums: physical.dataChecksums && runtime.has('pg_checksums'),
    copyPhases: [],
    replayedBefore: 0,
    log,
    clock,
  };
  let restoreCommand: string | null = null;
  let previous: PhysicalRestoreOutcome | null = null;
  for (const [index, target] of targets.entries()) {
    const restore = index === 0 ? firstRestore : newRestore(target, input);
    restore.environment = environment.summary;
    let goal = firstGoal.target;
    if (index > 0) {
      // Resolved once already (the plan needed its position): resolving is pure, so this cannot differ.
      const resolved = resolveTarget(target, input.backupExpectations, input.history, physical.stopLsn);
      if (!resolved.ok) return outcomes;
      goal = resolved.target;
      if (input.ownArchive) {
        const facts = await readWalContinuity(input.wal, physical, goal.endLsn);
        restore.checks.push(walContinuityCheck(facts));
        archiveEnds[index] = facts.continuity.last;
      }
    }
    const from = previous;
    const leg = await settleRestore<Leg>(
      restore,
      async () => {
        restoreCommand ??= await restoreCommandFor(input, runtime);
        const legInput: PhysicalRestoreInput = {
          backup: input.files,
          chain,
          runtime,
          target: goal.recovery,
          restoreCommand,
          checksums: context.checksums,
          recoveryTimeoutMs: input.recoveryTimeoutMs,
          targetLabel: target.label,
          holdInRecovery: index < targets.length - 1,
          ...(input.alongsideCopy ? { alongsideCopy: input.alongsideCopy } : {}),
        };
        if (from === null) {
          context.copyPhases.push({ name: 'environment', durationMs: Math.round(clock.now() - started) });
          log.info(`restoring ${backup.record.id} and replaying WAL to ${target.label} (${runtime.describe()})`);
          const outcome = await restorePhysical(legInput, log, clock);
          clusters.use(outcome.cluster);
          context.copyPhases.push(...outcome.phases.filter((p) => !REPLAY_PHASES.has(p.name)));
          return checkLeg(context, target, goal, restore, outcome, legInput, index, archiveEnds[index]);
        }
        const outcome = await resumeReplay(from, legInput, log, clock);
        // Refused, or stopped short of where the copy already was: replay never goes back on a copy.
        if (outcome.failure || wentBack(from, outcome))
          return { outcome: { restore, lastReplayedCommit: null }, next: null, refused: true };
        return checkLeg(context, target, goal, restore, outcome, legInput, index, archiveEnds[index]);
      },
      { outcome: { restore, lastReplayedCommit: null }, next: null },
    );
    if (leg.refused) {
      log.info(`replay cannot go on to ${target.label} on this copy: it is restored on a fresh one`);
      return outcomes;
    }
    report(leg.outcome, leg.next !== null);
    if (!leg.next) return outcomes;
    context.replayedBefore += leg.next.phases
      .filter((p) => p.name === 'WAL replay')
      .reduce((sum, p) => sum + p.durationMs, 0);
    previous = leg.next;
  }
  return outcomes;
}

/** Whether replay paused before the point the copy had reached already (a target placed after one it precedes). */
export function wentBack(from: PhysicalRestoreOutcome, to: PhysicalRestoreOutcome): boolean {
  const before = from.state?.replayLsn;
  const now = to.state?.replayLsn;
  return before != null && now != null && lsnToBigInt(now) < lsnToBigInt(before);
}

// A restore's own replay phases; the rest of the first restore's phases are the copy's, reused by later targets.
const REPLAY_PHASES = new Set(['WAL replay', 'checksums', 'start']);

// Prove where replay stopped, check the data there, and (when held in recovery) settle the copy for the next target.
async function checkLeg(
  context: CopyContext,
  target: Target,
  goal: ResolvedTarget,
  restore: RestoreResult,
  outcome: PhysicalRestoreOutcome,
  legInput: PhysicalRestoreInput,
  position: number,
  archiveEnd: string | undefined,
): Promise<Leg> {
  const { input, log, clock } = context;
  const { backup } = input;
  const physical = backup.record.physical;
  const phases = restore.phases;
  if (position > 0)
    phases.push(
      ...context.copyPhases.map((p) => ({ ...p, reused: true })),
      { name: 'WAL replay to earlier targets', durationMs: context.replayedBefore, reused: true },
      ...outcome.phases,
    );
  else phases.push(...context.copyPhases.filter((p) => p.name === 'environment'), ...outcome.phases);
  if (outcome.copy) restore.copy = outcome.copy;
  const checks = restore.checks;
  const chain = input.chain ?? [];
  const chainIds = chain.length ? [...chain, backup].map((b) => b.record.id) : [];
  checks.push(
    ...snapshotChecks(backup.record.snapshot, physical.tablespaces.length, outcome.snapshotFindings),
    ...combineChecks(chainIds, outcome.snapshotFindings),
    ...outcome.externalChecks,
  );
  // The recovery checks go here, once pg_checksums has run (after the data checks, for a target held in recovery).
  const recoveryAt = checks.length;
  const recovery = (): CheckResult[] => [
    ...recoveryChecks(
      outcome,
      goal.recovery,
      { dataChecksums: physical.dataChecksums, checksumsRan: context.checksums },
      backup.record.snapshot?.fromStandby ?? physical.fromStandby ?? false,
    ),
    // With the drill's own archive, `latest` is proved only when replay reached the archive's end.
    ...(input.ownArchive && goal.recovery.kind === 'latest' && !outcome.failure
      ? [replayedToEndCheck(archiveEnd, outcome.state?.replayLsn ?? null, physical.walSegmentSize)]
      : []),
  ];
  restore.reached = reached(target.kind, outcome);
  if (outcome.neutralised.length) restore.warnings = outcome.neutralised.map((n) => `removed from the restore: ${n}`);
  if (outcome.failure) {
    checks.splice(recoveryAt, 0, ...recovery());
    return { outcome: { restore, lastReplayedCommit: null }, next: null };
  }
  const lastReplayedCommit = outcome.state?.lastReplayedCommit ?? null;
  const database = backup.record.source.database;
  const held = outcome.held;
  if (input.afterRestore && !held) await input.afterRestore(outcome.cluster, database);
  // Step 3b: a pg_upgrade rehearsal; the checks then run on the cluster it leaves (upgraded, or the restored one).
  const upgraded =
    input.upgrade && !held
      ? await upgradeAfterRecovery(input.upgrade, outcome.cluster, context.environment, restore, input.jobs, log, clock)
      : null;
  if (upgraded) context.clusters.defer(() => upgraded.dispose());
  const cluster = upgraded ? upgraded.cluster : outcome.cluster;
  if (!cluster) {
    checks.splice(recoveryAt, 0, ...recovery());
    return { outcome: { restore, lastReplayedCommit }, next: null };
  }
  if (!held) checks.splice(recoveryAt, 0, ...recovery());
  try {
    // Step 4: markers, then the data and structure checks against what was true at the target.
    const checked = await timed(clock, () => dataChecks(input, target, goal, cluster, restore, log));
    checks.push(...checked.value);
    phases.push({ name: 'checks', durationMs: checked.durationMs });
  } finally {
    // Step 5: a target held in recovery is stopped cleanly and its pages verified, even when a check could not run.
    if (held) {
      phases.push(...(await settleLeg(outcome, legInput, clock)));
      checks.splice(recoveryAt, 0, ...recovery());
    }
  }
  return { outcome: { restore, lastReplayedCommit }, next: held ? outcome : null };
}

// Markers, expectations (or the structural checks alone), and last the isolation probe of a container.
async function dataChecks(
  input: PhysicalCopyInput,
  target: Target,
  goal: ResolvedTarget,
  cluster: Cluster,
  restore: RestoreResult,
  log: Logger,
): Promise<CheckResult[]> {
  const { backup } = input;
  const database = backup.record.source.database;
  const checks = [...input.checks, ...target.checks];
  const markers =
    goal.markersPresent === null || goal.markersAbsent === null
      ? null
      : { present: goal.markersPresent, absent: goal.markersAbsent };
  const results = [await restoredMarkersCheck(cluster, database, markers)];
  // Another tool's backup has no manifest of ours: a file it lost shows here, before any check reads past it.
  const files = backup.record.external ? await relationFilesCheck(cluster) : null;
  if (files) results.push(files);
  if (files && files.status !== 'passed') {
    results.push({
      id: 'expectations',
      kind: 'rowcounts',
      status: 'skipped',
      exactness: 'not-available',
      message: 'data checks not run: the restored data directory is missing relation files',
      durationMs: 0,
    });
  } else if (goal.expectations) {
    results.push(
      ...(await runRestoreChecks(
        {
          cluster,
          database,
          expected: goal.expectations,
          exactness: 'exact',
          physical: true,
          jobs: input.jobs,
          log,
        },
        checks,
      )),
    );
  } else {
    const structural = checks.filter((c) => c.kind === 'amcheck' || c.kind === 'sql');
    // The end of another tool's backup was watched by nobody here: say so rather than guess why.
    const why =
      backup.record.external && target.kind === 'immediate'
        ? 'the backup was taken by another tool, and nothing was captured at its end'
        : (goal.noExpectationsBecause ?? 'none recorded');
    results.push({
      id: 'expectations',
      kind: 'rowcounts',
      status: 'skipped',
      exactness: 'not-available',
      message: `no exact data expectations at ${target.label}: ${why}`,
      durationMs: 0,
    });
    if (structural.length)
      results.push(
        ...(await runRestoreChecks(
          {
            cluster,
            database,
            expected: emptyExpectations(),
            exactness: 'not-available',
            physical: true,
            jobs: input.jobs,
            log,
          },
          structural,
        )),
      );
  }
  // Last, so no check runs beside a probe: a container restore must not reach this host.
  const isolation = await containerIsolationCheck(cluster, restore.environment);
  if (isolation) results.push(isolation);
  return results;
}

// A restore not started yet: its target, the backup's major, nothing reached.
function newRestore(target: Target, input: PhysicalCopyInput): RestoreResult {
  return {
    target: target.label,
    environment: { kind: input.environment.kind, version: input.backup.record.source.major },
    reached: { kind: target.kind, proof: 'not reached' },
    phases: [...input.sharedPhases],
    checks: [],
  };
}

function unresolvedCheck(problem: string): CheckResult {
  return { id: 'recovery:target', kind: 'recovery', status: 'errored', message: problem, durationMs: 0 };
}

// Where the restored server fetches WAL: `recoverable fetch-wal` here; in a container (no Node there) a plain cp
// from the drill's one copy of the archive the container's postgres may read (the repository's is private to the host's).
async function restoreCommandFor(input: PhysicalCopyInput, runtime: Runtime): Promise<string> {
  if (runtime.kind === 'local' || !input.ownArchive) return input.restoreCommand;
  if (!input.containerWal)
    throw new EnvironmentError(
      'container-wal-missing',
      "a container restore of the drill's own archive needs the drill's copy of it",
    );
  return copyRestoreCommand(await input.containerWal.readableBy(runtime));
}

function reached(kind: string, outcome: PhysicalRestoreOutcome): RestoreResult['reached'] {
  const ev = outcome.evidence;
  const proof = [
    ev.backupRecovery,
    ev.stopping ?? ev.completed.join('; '),
    outcome.state?.pauseState ? `replay ${outcome.state.pauseState}` : null,
  ]
    .filter(Boolean)
    .join(' | ');
  return {
    kind,
    ...(outcome.state?.replayLsn ? { lsn: outcome.state.replayLsn } : {}),
    ...(ev.stopping && /transaction (\d+)/.test(ev.stopping)
      ? { xid: /transaction (\d+)/.exec(ev.stopping)![1]! }
      : {}),
    ...(outcome.state?.lastReplayedCommit ? { time: outcome.state.lastReplayedCommit } : {}),
    proof: proof || 'no proof in the server log',
  };
}
