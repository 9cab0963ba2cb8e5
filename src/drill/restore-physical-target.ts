// One restore of a physical backup to a target: continuity, replay, proof, then the data and structure checks.
import type { Logger } from '../core/log.ts';
import { timed, type Clock } from '../core/clock.ts';
import { EnvironmentError, RecoverableError, InterruptedError } from '../core/errors.ts';
import { openEnvironment } from '../env/environment.ts';
import type { Cluster } from '../env/cluster.ts';
import type { Runtime } from '../env/runtime.ts';
import { copyRestoreCommand } from '../source/archive-command.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import type { SourceHistory } from '../repository/history.ts';
import { WalArchive, segmentSystemId } from '../repository/wal-archive.ts';
import { segmentName, segmentsBetween } from '../repository/wal-names.ts';
import { verifyWalContinuity } from '../repository/wal-continuity.ts';
import type { CheckResult, Phase, RestoreResult } from '../run/result.ts';
import type { CheckSpec, Target, UpgradeSpec } from '../scenario/types.ts';
import type { Expectations } from '../expectations/capture.ts';
import { restorePhysical, type PhysicalRestoreOutcome } from '../restore/physical-restore.ts';
import { resolveTarget, type ResolvedTarget } from '../restore/resolve-target.ts';
import { labelUsedBefore15, stopMatchesTarget, targetNotReached } from '../restore/recovery-proof.ts';
import { runRestoreChecks } from '../checks/run-checks.ts';
import { containerIsolationCheck } from '../checks/isolation.ts';
import { relationFilesCheck } from '../checks/relation-files.ts';
import { readMarkers } from '../source/markers.ts';
import { fail, pass } from '../run/check.ts';
import type { AfterRestoreHook } from './restore-dump-target.ts';
import type { ContainerWalCopy } from './container-wal.ts';
import { upgradeAfterRecovery, upgradeNeedsNewerMajor } from './upgrade-target.ts';
import type { UpgradeOutcome } from '../restore/upgrade.ts';

export const PHYSICAL_RESTORE_TOOLS = ['initdb', 'pg_ctl', 'postgres', 'psql'];

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
export async function restorePhysicalTarget(input: PhysicalTargetInput, log: Logger, clock: Clock): Promise<{ restore: RestoreResult; lastReplayedCommit: string | null }> {
  const { backup, target } = input;
  const physical = backup.record.physical!;
  const checks: CheckResult[] = [];
  const phases: Phase[] = [...input.sharedPhases];
  const restore: RestoreResult = { target: target.label, environment: { kind: input.environment.kind, version: backup.record.source.major }, reached: { kind: target.kind, proof: 'not reached' }, phases, checks };
  // Step 1: what the target means here; an unknown marker is an error of this restore, not a pass.
  const resolved = resolveTarget(target, input.backupExpectations, input.history, physical.stopLsn);
  if (!resolved.ok) {
    checks.push({ id: 'recovery:target', kind: 'recovery', status: 'errored', message: resolved.problem, durationMs: 0 });
    return { restore, lastReplayedCommit: null };
  }
  const goal = resolved.target;
  // Step 2: the archive must hold every segment from the backup's start to the target.
  if (input.ownArchive) checks.push(await continuityCheck(input, goal));
  // Step 3: an environment of the backup's major (a missing engine or image: exit 3), then copy, neutralise, replay, prove.
  const started = clock.now();
  const chain = input.chain ?? [];
  const tools = chain.length ? [...PHYSICAL_RESTORE_TOOLS, 'pg_combinebackup'] : PHYSICAL_RESTORE_TOOLS;
  if (input.upgrade) upgradeNeedsNewerMajor(input.upgrade, backup.record.source.major);
  const environment = await openEnvironment({ ...input.environment, version: backup.record.source.major, ...(input.upgrade ? { upgradeTo: input.upgrade.to } : {}), mounts: [{ path: input.repo.root, readOnly: true }, ...input.mounts], tools }, log);
  restore.environment = environment.summary;
  const runtime = environment.runtime;
  const checksums = physical.dataChecksums && runtime.has('pg_checksums');
  log.info(`restoring ${backup.record.id} and replaying WAL to ${target.label} (${runtime.describe()})`);
  let outcome: PhysicalRestoreOutcome | null = null;
  let upgraded: UpgradeOutcome | null = null;
  try {
    const restoreCommand = await restoreCommandFor(input, runtime);
    phases.push({ name: 'environment', durationMs: Math.round(clock.now() - started) });
    outcome = await restorePhysical({ backup: input.files, chain, runtime, target: goal.recovery, restoreCommand, checksums, recoveryTimeoutMs: input.recoveryTimeoutMs, targetLabel: target.label }, log, clock);
    phases.push(...outcome.phases);
    if (outcome.copy) restore.copy = outcome.copy;
    checks.push(...snapshotChecks(backup, outcome), ...combineChecks(chain, backup, outcome), ...outcome.externalChecks, ...recoveryChecks(outcome, goal, physical.dataChecksums, checksums, backup.record.snapshot?.fromStandby ?? false));
    restore.reached = reached(target.kind, outcome);
    if (outcome.neutralised.length) restore.warnings = outcome.neutralised.map((n) => `removed from the restore: ${n}`);
    if (outcome.failure) return { restore, lastReplayedCommit: null };
    const database = backup.record.source.database;
    if (input.afterRestore) await input.afterRestore(outcome.cluster, database);
    // Step 3b: a pg_upgrade rehearsal; the checks then run on the cluster it leaves (upgraded, or the restored one).
    if (input.upgrade) upgraded = await upgradeAfterRecovery(input.upgrade, outcome.cluster, environment, restore, input.jobs, log, clock);
    const cluster = upgraded ? upgraded.cluster : outcome.cluster;
    if (!cluster) return { restore, lastReplayedCommit: outcome.state?.lastReplayedCommit ?? null };
    // Step 4: markers, then the data and structure checks against what was true at the target.
    const checked = await timed(clock, async () => {
      const results = [await markersCheck(cluster, database, goal)];
      // Another tool's backup has no manifest of ours: a file it lost shows here, before any check reads past it.
      const files = backup.record.external ? await relationFilesCheck(cluster) : null;
      if (files) results.push(files);
      if (files && files.status !== 'passed') {
        results.push({ id: 'expectations', kind: 'rowcounts', status: 'skipped', exactness: 'not-available', message: 'data checks not run: the restored data directory is missing relation files', durationMs: 0 });
      } else if (goal.expectations) {
        results.push(...(await runRestoreChecks({ cluster, database, expected: goal.expectations, exactness: 'exact', physical: true, jobs: input.jobs, log }, input.checks)));
      } else {
        const structural = input.checks.filter((c) => c.kind === 'amcheck' || c.kind === 'sql');
        // The end of another tool's backup was watched by nobody here: say so rather than guess why.
        const why = backup.record.external && target.kind === 'immediate' ? 'the backup was taken by another tool, and nothing was captured at its end' : goal.noExpectationsBecause ?? 'none recorded';
        results.push({ id: 'expectations', kind: 'rowcounts', status: 'skipped', exactness: 'not-available', message: `no exact data expectations at ${target.label}: ${why}`, durationMs: 0 });
        if (structural.length) results.push(...(await runRestoreChecks({ cluster, database, expected: emptyExpectations(), exactness: 'not-available', physical: true, jobs: input.jobs, log }, structural)));
      }
      // Last, so no check runs beside a probe: a container restore must not reach this host.
      const isolation = await containerIsolationCheck(cluster, restore.environment);
      if (isolation) results.push(isolation);
      return results;
    });
    checks.push(...checked.value);
    phases.push({ name: 'checks', durationMs: checked.durationMs });
    return { restore, lastReplayedCommit: outcome.state?.lastReplayedCommit ?? null };
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    const e = error instanceof RecoverableError ? error : null;
    restore.error = { code: e?.code ?? 'internal', message: (error as Error).message, ...(e?.hint ? { hint: e.hint } : {}) };
    checks.push({ id: 'restore:completed', kind: 'restore', status: 'errored', message: `the restore could not be completed: ${(error as Error).message}`, durationMs: 0 });
    return { restore, lastReplayedCommit: null };
  } finally {
    await upgraded?.dispose();
    await outcome?.cluster.dispose();
    await environment.dispose();
  }
}

// Where the restored server fetches WAL: `recoverable fetch-wal` here; in a container (no Node there) a plain cp
// from the drill's one copy of the archive the container's postgres may read (the repository's is private to the host's).
async function restoreCommandFor(input: PhysicalTargetInput, runtime: Runtime): Promise<string> {
  if (runtime.kind === 'local' || !input.ownArchive) return input.restoreCommand;
  if (!input.containerWal) throw new EnvironmentError('container-wal-missing', 'a container restore of the drill\'s own archive needs the drill\'s copy of it');
  return copyRestoreCommand(await input.containerWal.readableBy(runtime));
}

// Every segment from the backup's start to the target's LSN (or the archive's end) must be archived.
async function continuityCheck(input: PhysicalTargetInput, goal: ResolvedTarget): Promise<CheckResult> {
  const started = performance.now();
  const physical = input.backup.record.physical!;
  const endSegment = goal.endLsn ? segmentName(physical.timeline, goal.endLsn, physical.walSegmentSize) : undefined;
  const result = await verifyWalContinuity(input.wal, {
    startSegment: physical.startSegment, ...(endSegment ? { endSegment } : {}), timeline: physical.timeline, segSize: physical.walSegmentSize,
  });
  const id = 'wal:continuity';
  const inWindow = result.missing.filter((s) => s <= physical.stopSegment);
  if (result.ok) {
    // Present is not enough: each segment must be this cluster's (a garbage or foreign file has another header).
    const foreign = await foreignSegments(input, result.first, result.last);
    const ms = Math.round(performance.now() - started);
    if (foreign.length) return fail('wal', id, 'exact', 0, foreign.length, `WAL segments that are not this cluster's: ${foreign.join(', ')} (overwritten or from another cluster)`, ms);
    return pass('wal', id, 'exact', 0, 0, result.message, ms);
  }
  const ms = Math.round(performance.now() - started);
  const why = inWindow.length ? `the backup itself is unusable from the archive alone: WAL of its own window is missing (${inWindow.join(', ')})` : result.message;
  return fail('wal', id, 'exact', 0, result.missing.length, why === result.message ? result.message : `${why}; ${result.message}`, ms);
}

// Snapshot backups: the stored backup_label and tablespace_map, and every volume, as pg_backup_stop and the driver left them.
// An incremental backup's chain, combined by pg_combinebackup; its refusal in its own words.
function combineChecks(chain: readonly StoredBackup[], backup: StoredBackup, outcome: PhysicalRestoreOutcome): CheckResult[] {
  if (chain.length === 0) return [];
  const ids = [...chain, backup].map((b) => b.record.id);
  const refused = outcome.snapshotFindings.find((f) => f.id === 'backup:combine')?.message;
  if (refused) return [fail('backup', 'backup:combine', 'exact', ids, 'refused', refused, 0)];
  return [pass('backup', 'backup:combine', 'exact', ids, 'combined', `pg_combinebackup combined ${ids.join(' ← ')} into the data directory`, 0)];
}

function snapshotChecks(backup: StoredBackup, outcome: PhysicalRestoreOutcome): CheckResult[] {
  const details = backup.record.snapshot;
  if (!details) return [];
  const finding = (id: string): string | undefined => outcome.snapshotFindings.find((f) => f.id === id)?.message;
  const results: CheckResult[] = [];
  const volumes = finding('snapshot:volumes');
  results.push(volumes ? fail('snapshot', 'snapshot:volumes', 'exact', 'every volume cloned', 'missing', volumes, 0) : pass('snapshot', 'snapshot:volumes', 'exact', 'every volume cloned', 'cloned', `PGDATA and ${backup.record.physical!.tablespaces.length} tablespace(s) cloned from snapshot ${details.name} (${details.driver})`, 0));
  if (volumes) return results;
  const label = finding('snapshot:backup-label');
  results.push(label ? fail('snapshot', 'snapshot:backup-label', 'exact', details.labelSha256, 'differs', label, 0) : pass('snapshot', 'snapshot:backup-label', 'exact', details.labelSha256, details.labelSha256, 'backup_label written from the bytes pg_backup_stop returned (SHA-256 matches)', 0));
  if (backup.record.physical!.tablespaces.length) {
    const map = finding('snapshot:tablespace-map');
    results.push(map ? fail('snapshot', 'snapshot:tablespace-map', 'exact', details.spcmapSha256, 'differs', map, 0) : pass('snapshot', 'snapshot:tablespace-map', 'exact', details.spcmapSha256, details.spcmapSha256, 'tablespace_map from pg_backup_stop (SHA-256 matches), its paths pointed at the restored clones', 0));
  }
  return results;
}

// Segments in [first, last] on the backup's timeline whose page header names another system (or is unreadable).
async function foreignSegments(input: PhysicalTargetInput, first: string | undefined, last: string | undefined): Promise<string[]> {
  const physical = input.backup.record.physical!;
  if (!first || !last || first.slice(0, 8) !== last.slice(0, 8)) return [];
  const archive = input.wal;
  const foreign: string[] = [];
  for (const name of segmentsBetween(first, last, physical.walSegmentSize)) {
    if (!(await archive.has(name))) continue;
    const system = await segmentSystemId(archive.pathOf(name)).catch(() => null);
    if (system !== physical.systemIdentifier) foreign.push(name);
  }
  return foreign;
}

// The recovery's own evidence: was backup_label used, was the target reached where asked, do the pages verify.
function recoveryChecks(outcome: PhysicalRestoreOutcome, goal: ResolvedTarget, dataChecksums: boolean, checksumsRan: boolean, fromStandby: boolean): CheckResult[] {
  const results: CheckResult[] = [];
  const ev = outcome.evidence;
  const signal = outcome.neutralised.find((n) => n === 'standby.signal');
  // A snapshot of a standby carries its standby.signal by nature: removed, and not held against the backup.
  if (signal && fromStandby) results.push(pass('backup', 'backup:standby-signal', 'exact', 'present (standby source)', 'present', 'the standby\'s standby.signal was removed: the restore ran as archive recovery', 0));
  else results.push(signal
    ? fail('backup', 'backup:standby-signal', 'exact', 'absent', 'present', 'the backup carries standby.signal (taken with -R or from a standby): restored as-is it would start as a standby following primary_conninfo; Recoverable removed it and restored with recovery.signal', 0)
    : pass('backup', 'backup:standby-signal', 'exact', 'absent', 'absent', 'no standby.signal in the backup', 0));
  // Whether backup_label was used can only be judged once the server began recovering.
  const began = Boolean(ev.started || ev.backupRecovery || ev.consistent);
  // PostgreSQL 13 and 14 do not log backup recovery: the renamed label and where redo started prove it instead.
  const before15 = ev.backupRecovery ? null : labelUsedBefore15(ev, outcome.labelRedo, outcome.labelRenamed);
  if (began) results.push(ev.backupRecovery || before15
    ? pass('recovery', 'recovery:backup-label', 'exact', 'backup recovery', 'backup recovery', ev.backupRecovery ? `backup_label was used: "${ev.backupRecovery}"` : `backup_label was used: ${before15}`, 0)
    : fail('recovery', 'recovery:backup-label', 'exact', 'backup recovery', outcome.backupLabelPresent ? 'not logged' : 'crash recovery', outcome.backupLabelPresent
        ? 'the server did not log "starting backup recovery with redo LSN": backup_label was not used'
        : 'backup_label is missing from the backup: the server ran crash recovery instead of backup recovery, so changes made during the backup may be missing', 0));
  const notReached = targetNotReached(ev);
  if (outcome.failure) {
    results.push(fail('recovery', 'recovery:target', 'exact', describeRecovery(goal), 'not reached', notReached ? `target not reached: the server said "${notReached}"` : `recovery failed: ${outcome.failure}`, 0));
  } else {
    const problem = stopMatchesTarget(goal.recovery, ev);
    results.push(problem ? fail('recovery', 'recovery:target', 'exact', describeRecovery(goal), ev.stopping, problem, 0) : pass('recovery', 'recovery:target', 'exact', describeRecovery(goal), ev.stopping ?? ev.completed.join('; '), `reached: ${ev.stopping ?? ev.completed.join('; ')}`, 0));
  }
  if (!dataChecksums) results.push({ id: 'checksums', kind: 'checksums', status: 'skipped', message: 'data checksums are off in this cluster: pg_checksums has nothing to verify', durationMs: 0 });
  else if (!checksumsRan) results.push({ id: 'checksums', kind: 'checksums', status: 'skipped', message: 'pg_checksums is not installed for this major', durationMs: 0 });
  else if (outcome.checksums) {
    results.push(outcome.checksums.ok
      ? pass('checksums', 'checksums', 'exact', 'no bad blocks', 'no bad blocks', `pg_checksums on the cleanly stopped cluster: ${outcome.checksums.output.split('\n').find((l) => /Bad checksums/.test(l)) ?? 'ok'}`, 0)
      : fail('checksums', 'checksums', 'exact', 'no bad blocks', 'bad blocks', `pg_checksums found damage: ${outcome.checksums.output.split('\n').filter((l) => /checksum verification failed|Bad checksums/.test(l)).slice(0, 3).join(' | ')}`, 0));
  }
  return results;
}

function describeRecovery(goal: ResolvedTarget): string {
  const r = goal.recovery;
  switch (r.kind) {
    case 'immediate':
    case 'latest':
      return r.kind;
    case 'name':
      return `restore point ${r.name}`;
    default:
      return `${r.kind} ${r.kind === 'xid' ? r.xid : r.kind === 'time' ? r.time : r.lsn} (${r.inclusive ? 'inclusive' : 'exclusive'})`;
  }
}

function reached(kind: string, outcome: PhysicalRestoreOutcome): RestoreResult['reached'] {
  const ev = outcome.evidence;
  const proof = [ev.backupRecovery, ev.stopping ?? ev.completed.join('; '), outcome.state?.pauseState ? `replay ${outcome.state.pauseState}` : null].filter(Boolean).join(' | ');
  return {
    kind,
    ...(outcome.state?.replayLsn ? { lsn: outcome.state.replayLsn } : {}),
    ...(ev.stopping && /transaction (\d+)/.test(ev.stopping) ? { xid: /transaction (\d+)/.exec(ev.stopping)![1]! } : {}),
    ...(outcome.state?.lastReplayedCommit ? { time: outcome.state.lastReplayedCommit } : {}),
    proof: proof || 'no proof in the server log',
  };
}

// The last marker before the target present, the first after it absent.
async function markersCheck(cluster: Cluster, database: string, goal: ResolvedTarget): Promise<CheckResult> {
  if (goal.markersPresent === null || goal.markersAbsent === null) {
    return { id: 'markers', kind: 'markers', status: 'skipped', exactness: 'not-available', message: 'no markers were written on this source', durationMs: 0 };
  }
  const started = performance.now();
  const client = await cluster.connect(database);
  try {
    const found = (await readMarkers(client)) ?? [];
    const ms = Math.round(performance.now() - started);
    const missing = goal.markersPresent.filter((m) => !found.includes(m));
    const extra = goal.markersAbsent.filter((m) => found.includes(m));
    const expected = { present: goal.markersPresent, absent: goal.markersAbsent };
    if (!missing.length && !extra.length) {
      const last = goal.markersPresent.at(-1);
      const next = goal.markersAbsent[0];
      return pass('markers', 'markers', 'exact', expected, found, `${last ? `last marker before the target (${last}) present` : 'no marker expected yet'}${next ? `, first after it (${next}) absent` : ''}`, ms);
    }
    return fail('markers', 'markers', 'exact', expected, found, `${missing.length ? `markers missing: ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `markers past the target present: ${extra.join(', ')}` : ''}`, ms);
  } finally {
    await client.end();
  }
}

function emptyExpectations(): Expectations {
  return { database: '', serverVersion: '', tables: [], sequences: [], largeObjects: { count: 0, fingerprint: null }, schemaObjects: [], extensions: [], roles: [] };
}
