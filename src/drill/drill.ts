// The drill, as a recipe: obtain a backup, verify it, decrypt it when encrypted, restore it to each target, check, judge.
import type { Scenario, Target } from '../scenario/types.ts';
import type { Logger } from '../core/log.ts';
import type { Clock } from '../core/clock.ts';
import { timeId } from '../core/ids.ts';
import { TOOL_VERSION } from '../core/tool-version.ts';
import { RecoverableError, InterruptedError, MissingGrantError } from '../core/errors.ts';
import { verdictExitCode } from '../cli/exit-code.ts';
import { throwIfInterrupted } from '../core/interrupt.ts';
import {
  RESULT_SCHEMA_VERSION,
  type RunResult,
  type RestoreResult,
  type ObjectiveResult,
  type Phase,
  type CheckResult,
} from '../run/result.ts';
import { coverageOf, decideVerdict, summarize } from '../run/verdict.ts';
import { manifestCheck } from '../checks/manifest-check.ts';
import { signatureCheck } from '../checks/signature-check.ts';
import { resolveEvidenceKeys, type EvidenceKeys } from '../evidence/scenario-keys.ts';
import { collectProvenance, manifestDigest } from '../evidence/provenance.ts';
import { obtainBackup } from './obtain-backup.ts';
import { requireLocalBinaries } from './local-binaries.ts';
import { planDrill, restoreImage } from './plan.ts';
import { restoreDumpTarget, type AfterRestoreHook } from './restore-dump-target.ts';
import { restoreFinished, restoreStarting } from './progress.ts';
import { rtoObjective, dumpRpoObjective, latestRpoObjective } from './objectives.ts';
import { restorePhysicalCopy, type PhysicalTargetOutcome } from './restore-physical-target.ts';
import { planReplay, type ReplayCandidate } from './replay-groups.ts';
import { resolveTarget } from '../restore/resolve-target.ts';
import { ContainerWalCopy } from './container-wal.ts';
import { verifyBackupCheck } from '../checks/verifybackup.ts';
import { chainCheck } from '../checks/chain-check.ts';
import { runFaultCheck } from '../checks/run-fault.ts';
import { readHistory } from '../repository/history.ts';
import { missingUpgradeImage, openEnvironment } from '../env/environment.ts';
import { copyRestoreCommand } from '../source/archive-command.ts';
import { WalArchive } from '../repository/wal-archive.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import type { DumpBackupRecord, PhysicalBackupRecord } from '../repository/backup-record.ts';
import { openPlaintextBackup, type PlaintextBackup } from '../restore/plaintext-backup.ts';
import { openPlaintextWal } from '../restore/plaintext-wal.ts';
import { AlongsideCopy } from '../restore/alongside.ts';

export interface DrillDeps {
  log: Logger;
  clock: Clock;
  /** Test seam for fault injection between restore and checks. */
  afterRestore?: AfterRestoreHook;
  /** The scenario's keys, when the caller already read them (otherwise read here, before anything starts). */
  keys?: EvidenceKeys;
}

/** A finished drill: its result (with the verdict), and whether this machine or the source's grants stopped it. */
export interface DrillVerdict {
  result: RunResult;
  /** The machine gave out, or the source's role lacks a grant: the fix is there, not in the backup. */
  stoppedByEnvironment: boolean;
}

/** A finished drill with the exit code its verdict maps to (callers that only need the verdict use drillVerdict). */
export interface DrillOutcome extends DrillVerdict {
  exitCode: number;
}

/** Run one scenario's drill and map its verdict to an exit code. */
export async function runDrill(scenario: Scenario, drillDeps: DrillDeps): Promise<DrillOutcome> {
  const verdict = await drillVerdict(scenario, drillDeps);
  return { ...verdict, exitCode: verdictExitCode(verdict) };
}

/** Run one scenario's drill end to end and return its verdict (reports are written by the caller). */
export async function drillVerdict(scenario: Scenario, drillDeps: DrillDeps): Promise<DrillVerdict> {
  const startedAt = drillDeps.clock.date();
  const runId = timeId(startedAt);
  // Log lines of this run carry its id, the name of its reports directory.
  const deps: DrillDeps = { ...drillDeps, log: drillDeps.log.child({ runId }) };
  const { log, clock } = deps;
  const result: RunResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId,
    tool: { name: 'recoverable', version: TOOL_VERSION },
    scenario: { name: scenario.name, path: scenario.path, sha256: scenario.sha256 },
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    verdict: 'errored',
    summary: '',
    backup: null,
    restores: [],
    objectives: [],
    checks: [],
  };
  // Step 1: refuse what this drill cannot do before anything starts, read its keys, find the binaries (exit 2 / 3).
  const keys = deps.keys ?? resolveEvidenceKeys(scenario);
  await preflight(scenario, log);
  let stoppedByEnvironment = false;
  try {
    await drillSteps(scenario, deps, keys, result);
  } catch (error) {
    // Interrupted, or the scenario does not fit the source (a standby, say): exit 130 / 2, not a finding about the backup.
    if (error instanceof InterruptedError || (error instanceof RecoverableError && error.category === 'usage'))
      throw error;
    // The backup could not be taken or read, or the machine gave out: a run-level finding, never a pass.
    const e =
      error instanceof RecoverableError
        ? error
        : new RecoverableError('internal', (error as Error).message, { cause: error });
    if (!(error instanceof RecoverableError)) log.error({ err: error }, 'internal error');
    result.error = { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
    const environmentFault = e.category === 'environment';
    // A tool or the backup said no: the backup failed. The machine or the harness broke: errored. A role missing a
    // grant: the backup was refused (failed), and the fix is on the source's side (exit 3).
    const backupFault = e.category !== 'internal' && (!environmentFault || error instanceof MissingGrantError);
    const kind = backupFault ? 'backup' : environmentFault ? 'environment' : 'internal';
    result.checks.push(runFaultCheck(kind, e.message));
    stoppedByEnvironment = environmentFault;
  }
  result.finishedAt = clock.date().toISOString();
  result.verdict = decideVerdict(result);
  const requested = new Set(
    [...scenario.checks, ...scenario.restore.targets.flatMap((t) => t.checks)].map((c) => c.kind),
  );
  result.coverage = coverageOf(result, requested);
  result.summary = summarize(result);
  result.provenance = collectProvenance(result, { toolVersion: TOOL_VERSION });
  return { result, stoppedByEnvironment };
}

// Steps 2 to 5: backup, signature, manifest, restores, objectives; each fills `result` as it goes.
async function drillSteps(scenario: Scenario, deps: DrillDeps, keys: EvidenceKeys, result: RunResult): Promise<void> {
  const { log, clock } = deps;
  // Step 2: the backup, taken now (signed when a signing key is set) or picked from the repository.
  const { backup, repo, taken } = await obtainBackup(scenario, log, clock, keys.signer);
  result.backup = {
    id: backup.record.id,
    method: backup.record.method,
    sizeBytes: backup.record.sizeBytes,
    durationMs: backup.record.durationMs,
    taken,
    takenAt: backup.record.startedAt,
    sourceVersion: backup.record.source.major,
    sourceServerVersion: backup.record.source.serverVersion,
    ...(backup.record.physical?.incremental ? { chain: backup.record.physical.incremental.chain } : {}),
  };
  throwIfInterrupted();
  // Step 3a: the signature over the manifest, before the manifest or anything it covers is trusted.
  const signed = await signatureCheck(backup, keys.verifier, keys.require);
  result.checks.push(signed.check);
  result.backup.signature = signed.signature;
  const digest = await manifestDigest(backup.dir);
  if (digest) result.backup.manifestSha256 = digest;
  // A backup whose signature fails (or is missing when required) proves nothing: nothing of it is restored or compared.
  if (signed.check.status === 'failed') return;
  // Step 3b: the repository's manifest: every file as it was when the backup completed.
  log.info(`verifying backup ${backup.record.id} against its manifest`);
  const manifest = await manifestCheck(repo, backup);
  result.checks.push(manifest);
  const shared: Phase[] = [{ name: 'fetch/verify', durationMs: manifest.durationMs }];
  // Step 4: an encrypted backup is decrypted into a private work directory; a file that does not authenticate stops here.
  const plaintext = await openPlaintextBackup(repo, backup, log);
  try {
    if (plaintext.check) {
      result.checks.push(plaintext.check);
      shared.push({ name: 'decrypt', durationMs: plaintext.check.durationMs });
      if (plaintext.check.status !== 'passed') return;
    }
    // Step 5: one restore per target (and version), each into its own disposable environment.
    const restorable: Restorable = { repo, backup, plaintext, shared };
    let rpo: ObjectiveResult | null = null;
    const record = backup.record;
    if (record.method === 'dump') {
      await restoreDumpTargets(scenario, deps, result, { ...restorable, backup: { record, dir: backup.dir } });
    } else {
      rpo = await restorePhysicalTargets(scenario, deps, result, {
        ...restorable,
        backup: { record, dir: backup.dir },
      });
    }
    // Step 6: objectives against what was measured.
    result.objectives = objectives(
      scenario,
      result.restores,
      new Date(backup.record.startedAt),
      new Date(result.startedAt),
      rpo,
    );
  } finally {
    await plaintext.dispose();
  }
}

interface Restorable {
  repo: LocalRepository;
  /** The stored backup: its record and evidence, read from the repository. */
  backup: StoredBackup;
  /** What the restore tools read: the repository's files, or a decrypted copy. */
  plaintext: PlaintextBackup;
  shared: Phase[];
}

// A dump restores to its snapshot, into each requested major.
async function restoreDumpTargets(
  scenario: Scenario,
  deps: DrillDeps,
  result: RunResult,
  { repo, backup, plaintext, shared }: Restorable & { backup: StoredBackup<DumpBackupRecord> },
): Promise<void> {
  const versions = scenario.restore.matrix?.version ?? [scenario.restore.version ?? backup.record.source.major];
  const total = versions.length * scenario.restore.targets.length;
  for (const version of versions) {
    for (const target of scenario.restore.targets) {
      throwIfInterrupted();
      deps.log.info(
        restoreStarting(
          result.restores.length + 1,
          total,
          `${backup.record.id} to ${target.label} in a ${scenario.restore.environment} PostgreSQL ${version} environment`,
          elapsed(deps, result),
        ),
      );
      const restore = await restoreDumpTarget(
        {
          repo,
          backup,
          files: { record: backup.record, dir: plaintext.backup.dir },
          mounts: plaintext.mounts,
          target,
          version,
          environment: environmentOf(scenario, result.runId, version),
          checks: [...scenario.checks, ...target.checks],
          options: {
            jobs: scenario.backup.jobs,
            noOwner: scenario.restore.noOwner,
            noPrivileges: scenario.restore.noPrivileges,
          },
          sharedPhases: shared,
          ...(deps.afterRestore ? { afterRestore: deps.afterRestore } : {}),
        },
        deps.log,
        deps.clock,
      );
      result.restores.push(restore);
      logRestore(deps.log, restore);
      deps.log.info(restoreFinished(result.restores.length, total, restore, elapsed(deps, result)));
    }
  }
}

// How long this drill has run, by the injected clock.
function elapsed(deps: DrillDeps, result: RunResult): number {
  return deps.clock.date().getTime() - Date.parse(result.startedAt);
}

// A physical backup: pg_verifybackup once, then WAL replay to each target; returns the measured RPO if `latest` ran.
async function restorePhysicalTargets(
  scenario: Scenario,
  deps: DrillDeps,
  result: RunResult,
  { repo, backup, plaintext, shared }: Restorable & { backup: StoredBackup<PhysicalBackupRecord> },
): Promise<ObjectiveResult | null> {
  const { log } = deps;
  const physical = backup.record.physical;
  // The decrypted copy (or the repository's files) under the same record: narrowed with it.
  const files: StoredBackup<PhysicalBackupRecord> = { record: backup.record, dir: plaintext.backup.dir };
  // A basebackup carries PostgreSQL's own backup_manifest; a snapshot's files are covered by the repository's manifest.
  const phases = [...shared];
  // An incremental backup restores only with its whole chain: found, intact, of one cluster, in order (else nothing is restored).
  const chain = physical.incremental ? await chainCheck(repo, backup) : null;
  if (chain) {
    result.checks.push(chain.check);
    phases.push({ name: 'chain', durationMs: chain.check.durationMs });
    if (chain.check.status !== 'passed') return null;
  }
  // pg_verifybackup reads the backup while the first restore copies it; that restore waits for it before replay.
  const verifying =
    backup.record.method === 'basebackup'
      ? new AlongsideCopy('pg_verifybackup', deps.clock, () =>
          verifyBasebackup(scenario, result.runId, { repo, files, chain: chain?.chain ?? [], plaintext }, log),
        )
      : null;
  // Its checks keep their place among the drill's, ahead of the restores', whenever they finish.
  const verifiedAt = result.checks.length;
  let restored = false;
  try {
    const rpo = await restorePhysicalCopies(
      scenario,
      deps,
      result,
      { repo, backup, plaintext, files, chain, phases },
      verifying,
    );
    restored = true;
    return rpo;
  } finally {
    // A failure to verify is reported; a failure of the restores, if any, is the one thrown.
    const checks = await verifying?.result().catch((error: unknown) => {
      if (restored) throw error;
      log.warn(`pg_verifybackup could not run either: ${(error as Error).message}`);
      return [];
    });
    result.checks.splice(verifiedAt, 0, ...(checks ?? []));
  }
}

/** pg_verifybackup of a basebackup, and of every backup of its chain (pg_combinebackup reads each), in an environment of its own. */
async function verifyBasebackup(
  scenario: Scenario,
  runId: string,
  {
    repo,
    files,
    chain,
    plaintext,
  }: {
    repo: LocalRepository;
    files: StoredBackup<PhysicalBackupRecord>;
    chain: Array<StoredBackup<PhysicalBackupRecord>>;
    plaintext: PlaintextBackup;
  },
  log: Logger,
): Promise<CheckResult[]> {
  const major = files.record.source.major;
  log.info(`pg_verifybackup checks backup ${files.record.id} while the first restore copies it`);
  // An upgrade rehearsal's image holds both majors: the backup's own major verifies it.
  const upgradeTo = scenario.restore.upgrade ? { upgradeTo: scenario.restore.upgrade.to } : {};
  const environment = await openEnvironment(
    {
      ...environmentOf(scenario, runId, major),
      version: major,
      ...upgradeTo,
      mounts: [{ path: repo.root, readOnly: true }, ...plaintext.mounts],
      tools: [],
      runLabel: runId,
    },
    log,
  );
  try {
    const checks = [await verifyBackupCheck(files, environment.runtime)];
    for (const parent of chain) {
      const check = await verifyBackupCheck(parent, environment.runtime);
      checks.push({
        ...check,
        id: `pg_verifybackup:${parent.record.id}`,
        message: `backup ${parent.record.id} of the chain: ${check.message}`,
      });
    }
    return checks;
  } finally {
    await environment.dispose();
  }
}

/** What every copy of a physical drill reads: the backup as stored and as restored, its chain, the phases spent before. */
interface PhysicalRestorable {
  repo: LocalRepository;
  backup: StoredBackup<PhysicalBackupRecord>;
  plaintext: PlaintextBackup;
  files: StoredBackup<PhysicalBackupRecord>;
  chain: { chain: Array<StoredBackup<PhysicalBackupRecord>> } | null;
  phases: Phase[];
}

// WAL replay to each target on the copies the plan makes; returns the measured RPO if `latest` ran.
async function restorePhysicalCopies(
  scenario: Scenario,
  deps: DrillDeps,
  result: RunResult,
  { repo, backup, plaintext, files, chain, phases }: PhysicalRestorable,
  verifying: AlongsideCopy<CheckResult[]> | null,
): Promise<ObjectiveResult | null> {
  const { log, clock } = deps;
  const physical = backup.record.physical;
  const expectations = (await repo.readExpectations(backup))?.expectations ?? null;
  const history = await readHistory(repo, backup);
  // Another tool's WAL archive: the external backup's restoreWal as recorded, or the url source's restoreCommand.
  const external =
    backup.record.external?.restoreWal ?? (scenario.source.kind === 'url' ? scenario.source.restoreCommand : undefined);
  // An encrypted backup's own WAL is decrypted once, before any replay: a segment that does not authenticate is named here.
  const wal = external === undefined ? await openPlaintextWal(repo, backup, log) : null;
  let containerWal: ContainerWalCopy | null = null;
  try {
    if (wal?.check) {
      result.checks.push(wal.check);
      phases.push({ name: 'decrypt WAL', durationMs: wal.check.durationMs });
    }
    const archive = wal?.archive ?? WalArchive.forSystem(repo.root, physical.systemIdentifier);
    // Containers read the archive through one copy made for all of them, never one per target.
    if (external === undefined && scenario.restore.environment === 'docker')
      containerWal = await ContainerWalCopy.create(archive, physical.startSegment, log);
    const targets = scenario.restore.targets;
    const total = targets.length;
    // Targets on one timeline replay in turn on one copy where their checks can run read-only in recovery.
    const candidates: ReplayCandidate[] = targets.map((target) => {
      const resolved = resolveTarget(target, expectations, history, physical.stopLsn);
      return { target, checks: scenario.checks, resolved: resolved.ok ? resolved.target : null };
    });
    const plan = planReplay(candidates, everyTargetAlone(scenario, deps, backup), {
      liveSource: scenario.source.kind === 'url',
    });
    for (const { index, why } of plan.alone) log.info(`${targets[index]!.label} gets a copy of its own: ${why}`);
    const outcomes = new Map<Target, PhysicalTargetOutcome>();
    // Every restore that finished is reported, in the scenario's order, even when a later copy could not be made.
    const report = (): void => {
      for (const target of targets) {
        const outcome = outcomes.get(target);
        if (outcome) result.restores.push(outcome.restore);
      }
    };
    try {
      for (const copy of plan.copies) {
        throwIfInterrupted();
        const these = copy.map((i) => targets[i]!);
        log.info(
          restoreStarting(
            outcomes.size + 1,
            total,
            `${backup.record.id} to ${these.map((t) => t.label).join(', then ')} in a ${scenario.restore.environment} PostgreSQL ${backup.record.source.major} environment${these.length > 1 ? ', on one copy' : ''}`,
            elapsed(deps, result),
          ),
        );
        await restorePhysicalCopy(
          {
            repo,
            backup,
            files,
            chain: chain?.chain ?? [],
            wal: archive,
            mounts: [...plaintext.mounts, ...(wal?.mounts ?? []), ...(containerWal ? [containerWal.mount] : [])],
            backupExpectations: expectations,
            history,
            targets: these,
            checks: scenario.checks,
            environment: environmentOf(scenario, result.runId, backup.record.source.major),
            // A node process per WAL file costs ~0.2 s of replay each: the drill's own archive is read with cp.
            restoreCommand: external ?? copyRestoreCommand(archive.dir),
            ownArchive: external === undefined,
            containerWal,
            jobs: scenario.backup.jobs,
            sharedPhases: phases,
            recoveryTimeoutMs: RECOVERY_TIMEOUT_MS,
            ...(verifying ? { alongsideCopy: verifying } : {}),
            ...(deps.afterRestore ? { afterRestore: deps.afterRestore } : {}),
            ...(scenario.restore.upgrade ? { upgrade: scenario.restore.upgrade } : {}),
          },
          log,
          clock,
          (outcome) => {
            const target = these.find((t) => t.label === outcome.restore.target && !outcomes.has(t))!;
            outcomes.set(target, outcome);
            logRestore(log, outcome.restore);
            log.info(restoreFinished(outcomes.size, total, outcome.restore, elapsed(deps, result)));
          },
        );
      }
    } finally {
      report();
    }
    let rpo: ObjectiveResult | null = null;
    for (const target of targets) {
      const outcome = outcomes.get(target);
      if (outcome && target.kind === 'latest' && scenario.objectives.rpoMs !== undefined)
        rpo = latestRpoObjective(scenario.objectives.rpoMs, history, outcome.lastReplayedCommit);
    }
    return rpo;
  } finally {
    await containerWal?.dispose();
    await wal?.dispose();
  }
}

const RECOVERY_TIMEOUT_MS = 30 * 60_000;

// Why no two targets of this drill may share a copy: each restore is written to, or chosen apart.
function everyTargetAlone(scenario: Scenario, deps: DrillDeps, backup: StoredBackup): string | null {
  if (scenario.restore.upgrade) return 'an upgrade rehearsal promotes and upgrades every restore';
  if (deps.afterRestore) return 'a fault hook writes into every restore';
  if (backup.record.external) return "another tool's restore command is run for each target";
  return null;
}

// The scenario's restore environment for one major, with the image the plan names.
function environmentOf(
  scenario: Scenario,
  runId: string,
  version: number,
): { kind: 'local' | 'docker'; image?: string; runLabel: string } {
  if (scenario.restore.environment === 'local') return { kind: 'local', runLabel: runId };
  return { kind: 'docker', image: restoreImage(scenario, version), runLabel: runId };
}

// What this version of the drill supports, checked before any process starts: the plan's binaries or images.
async function preflight(scenario: Scenario, log: Logger): Promise<void> {
  const plan = planDrill(scenario);
  if (plan.environment === 'local') {
    requireLocalBinaries(scenario);
    return;
  }
  // Docker: the engine must answer and every image be there (or pullable) before a backup is taken for nothing.
  const { connectEngine, ensureImage } = await import('../env/docker-engine.ts');
  const engine = await connectEngine(log);
  for (const need of plan.images) {
    const upgradeTo = need.upgradeTo;
    await ensureImage(engine, need.image, { log, pullTimeoutMs: 600_000 }).catch((error: unknown) => {
      throw upgradeTo === undefined ? error : missingUpgradeImage(error, need.image, need.major, upgradeTo);
    });
  }
}

function objectives(
  scenario: Scenario,
  restores: RestoreResult[],
  snapshotAt: Date,
  drillAt: Date,
  measuredRpo: ObjectiveResult | null,
): ObjectiveResult[] {
  const list: ObjectiveResult[] = [];
  if (scenario.objectives.rtoMs !== undefined) list.push(rtoObjective(scenario.objectives.rtoMs, restores));
  if (scenario.objectives.rpoMs !== undefined)
    list.push(measuredRpo ?? dumpRpoObjective(scenario.objectives.rpoMs, snapshotAt, null, drillAt));
  return list;
}

function logRestore(log: Logger, restore: RestoreResult): void {
  for (const check of restore.checks) {
    if (check.status === 'passed') log.debug({ check: check.id }, check.message);
    else log.warn({ check: check.id, status: check.status }, `${check.status}: ${check.id}: ${check.message}`);
  }
}
