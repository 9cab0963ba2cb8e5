// One restore of a physical backup to a target: continuity, replay, proof, then the data and structure checks.
import type { Logger } from '../core/log.ts';
import { timed, type Clock } from '../core/clock.ts';
import { EnvironmentError } from '../core/errors.ts';
import { openEnvironment } from '../env/environment.ts';
import { scoped, settleRestore } from './restore-shape.ts';
import { PHYSICAL_RESTORE_TOOLS } from './plan.ts';
import type { Runtime } from '../env/runtime.ts';
import { copyRestoreCommand } from '../source/archive-command.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import type { SourceHistory } from '../repository/history.ts';
import type { WalArchive } from '../repository/wal-archive.ts';
import type { CheckResult, Phase, RestoreResult } from '../run/result.ts';
import type { CheckSpec, Target, UpgradeSpec } from '../scenario/types.ts';
import type { Expectations } from '../expectations/capture.ts';
import { restorePhysical, type PhysicalRestoreOutcome } from '../restore/physical-restore.ts';
import { resolveTarget } from '../restore/resolve-target.ts';
import { runRestoreChecks } from '../checks/run-checks.ts';
import { containerIsolationCheck } from '../checks/isolation.ts';
import { relationFilesCheck } from '../checks/relation-files.ts';
import { walContinuityCheck, readWalContinuity } from '../checks/wal-continuity.ts';
import { recoveryChecks } from '../checks/recovery.ts';
import { snapshotChecks, combineChecks } from '../checks/snapshot.ts';
import { restoredMarkersCheck } from '../checks/markers.ts';
import type { AfterRestoreHook } from './restore-dump-target.ts';
import type { ContainerWalCopy } from './container-wal.ts';
import { upgradeAfterRecovery, upgradeNeedsNewerMajor } from './upgrade-target.ts';

export interface PhysicalTargetInput {
  repo: LocalRepository;
  /** Where to restore: local binaries or a container image (default postgres:<major>). */
  environment: { kind: 'local' | 'docker'; image?: string; runLabel: string };
  backup: StoredBackup;
  /** The backup's files as the restore reads them: the repository's, or a decrypted copy. */
  files: StoredBackup;
  /** An incremental backup's chain, oldest (the full backup) first: pg_combinebackup reads these, then `files`. */
  chain?: StoredBackup[];
  /** The backup's WAL archive as the restore reads it: the repository's, or a decrypted copy. */
  wal: WalArchive;
  /** Directories the environment must see besides the repository (a decrypted copy). */
  mounts: Array<{ path: string; readOnly: boolean }>;
  backupExpectations: Expectations | null;
  history: SourceHistory | null;
  target: Target;
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
}

/** Restore, prove, check, dispose. Also returns the last replayed commit time (for RPO). */
export async function restorePhysicalTarget(
  input: PhysicalTargetInput,
  log: Logger,
  clock: Clock,
): Promise<{ restore: RestoreResult; lastReplayedCommit: string | null }> {
  const { backup, target } = input;
  const physical = backup.record.physical!;
  const checks: CheckResult[] = [];
  const phases: Phase[] = [...input.sharedPhases];
  const restore: RestoreResult = {
    target: target.label,
    environment: { kind: input.environment.kind, version: backup.record.source.major },
    reached: { kind: target.kind, proof: 'not reached' },
    phases,
    checks,
  };
  // Step 1: what the target means here; an unknown marker is an error of this restore, not a pass.
  const resolved = resolveTarget(target, input.backupExpectations, input.history, physical.stopLsn);
  if (!resolved.ok) {
    checks.push({
      id: 'recovery:target',
      kind: 'recovery',
      status: 'errored',
      message: resolved.problem,
      durationMs: 0,
    });
    return { restore, lastReplayedCommit: null };
  }
  const goal = resolved.target;
  // Step 2: the archive must hold every segment from the backup's start to the target.
  if (input.ownArchive) checks.push(walContinuityCheck(await readWalContinuity(input.wal, physical, goal.endLsn)));
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
  restore.environment = environment.summary;
  const runtime = environment.runtime;
  const checksums = physical.dataChecksums && runtime.has('pg_checksums');
  log.info(`restoring ${backup.record.id} and replaying WAL to ${target.label} (${runtime.describe()})`);
  // The restored cluster, then the upgraded one, each disposed (in reverse) before the environment.
  await using clusters = new AsyncDisposableStack();
  const unfinished = { restore, lastReplayedCommit: null };
  return await settleRestore(
    restore,
    async () => {
      const restoreCommand = await restoreCommandFor(input, runtime);
      phases.push({ name: 'environment', durationMs: Math.round(clock.now() - started) });
      const outcome = await restorePhysical(
        {
          backup: input.files,
          chain,
          runtime,
          target: goal.recovery,
          restoreCommand,
          checksums,
          recoveryTimeoutMs: input.recoveryTimeoutMs,
          targetLabel: target.label,
        },
        log,
        clock,
      );
      clusters.use(outcome.cluster);
      phases.push(...outcome.phases);
      if (outcome.copy) restore.copy = outcome.copy;
      const chainIds = chain.length ? [...chain, backup].map((b) => b.record.id) : [];
      checks.push(
        ...snapshotChecks(backup.record.snapshot, physical.tablespaces.length, outcome.snapshotFindings),
        ...combineChecks(chainIds, outcome.snapshotFindings),
        ...outcome.externalChecks,
        ...recoveryChecks(
          outcome,
          goal.recovery,
          { dataChecksums: physical.dataChecksums, checksumsRan: checksums },
          backup.record.snapshot?.fromStandby ?? false,
        ),
      );
      restore.reached = reached(target.kind, outcome);
      if (outcome.neutralised.length)
        restore.warnings = outcome.neutralised.map((n) => `removed from the restore: ${n}`);
      if (outcome.failure) return { restore, lastReplayedCommit: null };
      const database = backup.record.source.database;
      if (input.afterRestore) await input.afterRestore(outcome.cluster, database);
      // Step 3b: a pg_upgrade rehearsal; the checks then run on the cluster it leaves (upgraded, or the restored one).
      const upgraded = input.upgrade
        ? await upgradeAfterRecovery(input.upgrade, outcome.cluster, environment, restore, input.jobs, log, clock)
        : null;
      if (upgraded) clusters.defer(() => upgraded.dispose());
      const cluster = upgraded ? upgraded.cluster : outcome.cluster;
      if (!cluster) return { restore, lastReplayedCommit: outcome.state?.lastReplayedCommit ?? null };
      // Step 4: markers, then the data and structure checks against what was true at the target.
      const checked = await timed(clock, async () => {
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
              input.checks,
            )),
          );
        } else {
          const structural = input.checks.filter((c) => c.kind === 'amcheck' || c.kind === 'sql');
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
      });
      checks.push(...checked.value);
      phases.push({ name: 'checks', durationMs: checked.durationMs });
      return { restore, lastReplayedCommit: outcome.state?.lastReplayedCommit ?? null };
    },
    unfinished,
  );
}

// Where the restored server fetches WAL: `recoverable fetch-wal` here; in a container (no Node there) a plain cp
// from the drill's one copy of the archive the container's postgres may read (the repository's is private to the host's).
async function restoreCommandFor(input: PhysicalTargetInput, runtime: Runtime): Promise<string> {
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

function emptyExpectations(): Expectations {
  return {
    database: '',
    serverVersion: '',
    tables: [],
    sequences: [],
    largeObjects: { count: 0, fingerprint: null },
    schemaObjects: [],
    extensions: [],
    roles: [],
  };
}
