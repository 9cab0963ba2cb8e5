// Restore a physical backup into a disposable local cluster and replay WAL to a target, collecting proof.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { readFile, writeFile, rm, mkdir, symlink, lstat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { restoringDriver, scrubDataDir, SnapshotMissingError } from '../backup/snapshot/drivers.ts';
import type { Logger } from '../core/log.ts';
import { timed, type Clock } from '../core/clock.ts';
import type { Runtime } from '../env/runtime.ts';
import { Cluster, privateTempDir } from '../env/cluster.ts';
import { EnvironmentError, ToolError, hasErrorCode } from '../core/errors.ts';
import type { StoredBackup } from '../repository/local-repository.ts';
import type { PhysicalBackupRecord, SnapshotBackupRecord } from '../repository/backup-record.ts';
import type { CheckResult, Phase, RestoreCopy } from '../run/result.ts';
import { copyForRestore, priceFullCopy, reflinkAccepted } from './restore-copy.ts';
import {
  ISOLATION_SETTINGS,
  confValue,
  neutralSettings,
  ownedLines,
  parseConf,
  recoverySettings,
  rewriteAutoConf,
  type RecoveryAction,
  type RecoveryTarget,
} from './recovery-config.ts';
import { readConfigTree } from './config-files.ts';
import { readRecoveryLog, type RecoveryEvidence } from './recovery-proof.ts';
import { externalWalCommand, materialiseExternal } from '../backup/external/materialise.ts';
import type { BesideCopy } from './alongside.ts';

export interface PhysicalRestoreInput {
  backup: StoredBackup<PhysicalBackupRecord>;
  /** An incremental backup's chain, oldest first: the data directory is pg_combinebackup's of these and `backup`. */
  chain?: Array<StoredBackup<PhysicalBackupRecord>>;
  runtime: Runtime;
  target: RecoveryTarget;
  restoreCommand: string;
  /** Run pg_checksums on the cleanly stopped cluster (data checksums on and the tool present). */
  checksums: boolean;
  recoveryTimeoutMs: number;
  /** The scenario's name for the target (RECOVERABLE_TARGET of an external restore command). */
  targetLabel?: string;
  /**
   * Leave the server paused at the target, in recovery, for read-only checks and a later `resumeReplay` to a
   * further target on the same copy (no pg_checksums, no promotion: `settleLeg` does the checksums). Default false:
   * the last restore of a copy, checked on a promoted server as always.
   */
  holdInRecovery?: boolean;
  /** Work running beside the copy (pg_verifybackup): waited for once the copy is made, before the server starts. */
  alongsideCopy?: BesideCopy;
}

/** Where replay stopped, as the server itself reports it. */
export interface ReplayState {
  replayLsn: string | null;
  pauseState: string | null;
  lastReplayedCommit: string | null;
}

export interface PhysicalRestoreOutcome {
  /** Running and promoted (writable) when `failure` is null; stopped otherwise. */
  cluster: Cluster;
  phases: Phase[];
  evidence: RecoveryEvidence;
  state: ReplayState | null;
  /** What Recoverable had to neutralise in the backup before starting it. */
  neutralised: string[];
  backupLabelPresent: boolean;
  /** The backup_label's START WAL LOCATION (where its redo begins), when it had one. */
  labelRedo: string | null;
  /** After replay: backup_label gone and backup_label.old there, as a server that used it leaves them. */
  labelRenamed: boolean;
  checksums: { ran: boolean; ok: boolean; output: string } | null;
  /** The server's own words when recovery failed (target not reached, missing WAL ...). */
  failure: string | null;
  /** What materialising found (id → message): a snapshot's stored label, map or volumes; a chain pg_combinebackup refused. */
  snapshotFindings: Array<{ id: string; message: string }>;
  /** How the backup's files were copied (reflink or full) and what a full copy costs; null for a snapshot clone. */
  copy: RestoreCopy | null;
  /** External backups: what the user's restore command left (tool, cluster identity, tablespaces, backup start). */
  externalChecks: CheckResult[];
  /** Held in recovery at the target (`holdInRecovery`): still paused, checksums not yet run. */
  held: boolean;
  /** The recovery lines of the copy's first start (backup_label, where redo began): a resumed replay inherits them. */
  firstEvidence: RecoveryEvidence | null;
}

/** Copy, neutralise, configure, replay, prove; the caller disposes `outcome.cluster`. */
export async function restorePhysical(
  input: PhysicalRestoreInput,
  log: Logger,
  clock: Clock,
): Promise<PhysicalRestoreOutcome> {
  const physical = input.backup.record.physical;
  const cluster = await Cluster.adopt(
    input.runtime,
    await privateTempDir('restore', input.runtime),
    physical.superuser,
    log,
    clock,
  );
  const phases: Phase[] = [];
  const outcome: PhysicalRestoreOutcome = {
    cluster,
    phases,
    evidence: readRecoveryLog(''),
    state: null,
    neutralised: [],
    backupLabelPresent: false,
    labelRedo: null,
    labelRenamed: false,
    checksums: null,
    failure: null,
    snapshotFindings: [],
    copy: null,
    externalChecks: [],
    held: false,
    firstEvidence: null,
  };
  try {
    // Step 1: a copy of the backup, copy-on-write where the filesystem allows (never hard links: the server rewrites files in place).
    const copy = await timed(clock, async (): Promise<Materialised | null> => {
      const record = input.backup.record;
      if (record.method === 'snapshot') return materialiseSnapshot({ record, dir: input.backup.dir }, cluster);
      if (input.backup.record.external) {
        const external = await materialiseExternal(
          input.backup.record,
          cluster,
          input.targetLabel ?? input.target.kind,
        );
        outcome.externalChecks = external.checks;
        return { findings: [], missing: external.failure };
      }
      if (input.chain?.length) return combineChain(input.chain, input.backup, cluster);
      outcome.copy = await copyBackup(input.backup, cluster, clock);
      return null;
    }).finally(() => cluster.runtime.adopt(cluster.dir, true));
    const record = input.backup.record;
    phases.push({
      name: record.snapshot
        ? 'clone snapshot'
        : record.external
          ? 'external restore'
          : input.chain?.length
            ? 'pg_combinebackup'
            : 'copy',
      durationMs: copy.durationMs,
    });
    if (input.alongsideCopy) phases.push(await input.alongsideCopy.phaseAfterCopy(clock));
    if (outcome.copy) outcome.copy = await priceFullCopy(outcome.copy, cluster.dir);
    if (copy.value) {
      outcome.snapshotFindings = copy.value.findings;
      if (copy.value.missing) {
        outcome.failure = copy.value.missing;
        return outcome;
      }
    }
    // Step 2: take away anything that could follow or feed a production server, then configure recovery.
    outcome.neutralised = await neutralise(cluster.dataDir);
    outcome.backupLabelPresent = existsSync(join(cluster.dataDir, 'backup_label'));
    if (outcome.backupLabelPresent)
      outcome.labelRedo =
        /^START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/m.exec(
          await readFile(join(cluster.dataDir, 'backup_label'), 'utf8'),
        )?.[1] ?? null;
    await replayLeg(cluster, input, outcome, clock, 0);
    outcome.firstEvidence = outcome.evidence;
    return outcome;
  } catch (error) {
    outcome.evidence = readRecoveryLog(await cluster.readLog());
    if (hasErrorCode(error, 'server-start-failed')) {
      outcome.failure = outcome.evidence.fatal.join(' | ') || error.message;
      return outcome;
    }
    await cluster.dispose();
    throw error;
  }
}

/**
 * After a held restore: stop the paused server cleanly (a restartpoint) and run pg_checksums on it, as the restore
 * of that target would have. Returns the checksum phase; `held.checksums` carries the verdict.
 */
export async function settleLeg(
  held: PhysicalRestoreOutcome,
  input: PhysicalRestoreInput,
  clock: Clock,
): Promise<Phase[]> {
  const cluster = held.cluster;
  const stop = await timed(clock, async () => {
    if (await cluster.isRunning()) await cluster.stop('fast');
    return input.checksums ? checksumCluster(cluster) : null;
  });
  held.held = false;
  if (!input.checksums) return [{ name: 'stop', durationMs: stop.durationMs }];
  held.checksums = stop.value;
  return [{ name: 'checksums', durationMs: stop.durationMs }];
}

/**
 * Replay the same copy on to a further target: the settled server of `previous` (stopped in recovery) starts again
 * with the new target and goes on from its last restartpoint. The new outcome's evidence is this start's log lines,
 * with the copy's backup_label lines from its first start; a server that refuses (a target behind what was already
 * replayed) is a `failure` like any other, and the caller restores that target on a fresh copy.
 */
export async function resumeReplay(
  previous: PhysicalRestoreOutcome,
  input: PhysicalRestoreInput,
  log: Logger,
  clock: Clock,
): Promise<PhysicalRestoreOutcome> {
  const cluster = previous.cluster;
  if (await cluster.isRunning()) await cluster.stop('fast');
  const outcome: PhysicalRestoreOutcome = {
    ...previous,
    phases: [],
    evidence: readRecoveryLog(''),
    state: null,
    checksums: null,
    failure: null,
    held: false,
  };
  const logFrom = (await cluster.readLog()).length;
  log.info(`replaying the same copy on to ${input.targetLabel ?? input.target.kind}`);
  try {
    await replayLeg(cluster, input, outcome, clock, logFrom);
    return outcome;
  } catch (error) {
    outcome.evidence = legEvidence(await cluster.readLog(), logFrom, previous.firstEvidence);
    if (hasErrorCode(error, 'server-start-failed')) {
      outcome.failure = outcome.evidence.fatal.join(' | ') || error.message;
      return outcome;
    }
    throw error;
  }
}

// The server log of one start (from `logFrom`), with the copy's first-start lines about backup_label and redo.
function legEvidence(log: string, logFrom: number, first: RecoveryEvidence | null): RecoveryEvidence {
  const leg = readRecoveryLog(log.slice(logFrom));
  if (!first) return leg;
  return { ...leg, backupRecovery: first.backupRecovery, redoStarts: first.redoStarts };
}

// Steps 2b to 4 of a restore, for the copy's first start (logFrom 0) and each resumed one: configure the target,
// replay, prove; with checksums, stop at the target first, check offline, then start again; promote unless held.
async function replayLeg(
  cluster: Cluster,
  input: PhysicalRestoreInput,
  outcome: PhysicalRestoreOutcome,
  clock: Clock,
  logFrom: number,
): Promise<void> {
  const phases = outcome.phases;
  const hold = input.holdInRecovery === true && input.target.kind !== 'latest';
  const twoPass = !hold && input.checksums && input.target.kind !== 'latest';
  await configure(cluster, input, twoPass ? 'shutdown' : 'pause');
  const replay = await timed(clock, () =>
    replayOnce(
      cluster,
      input.recoveryTimeoutMs,
      clock,
      twoPass ? 'shutdown' : input.target.kind === 'latest' ? 'promoted' : 'paused',
      logFrom,
    ),
  );
  phases.push({ name: 'WAL replay', durationMs: replay.durationMs });
  outcome.evidence = legEvidence(await cluster.readLog(), logFrom, outcome.firstEvidence);
  outcome.labelRenamed =
    !existsSync(join(cluster.dataDir, 'backup_label')) && existsSync(join(cluster.dataDir, 'backup_label.old'));
  if (replay.value.failed) {
    outcome.failure = outcome.evidence.fatal.join(' | ') || 'the server stopped during recovery without saying why';
    return;
  }
  if (!twoPass) outcome.state = await replayState(cluster);
  if (hold) {
    outcome.held = true;
    return;
  }
  if (input.checksums) {
    const check = await timed(clock, async () => {
      if (await cluster.isRunning()) await cluster.stop('fast');
      return checksumCluster(cluster);
    });
    outcome.checksums = check.value;
    phases.push({ name: 'checksums', durationMs: check.durationMs });
    const restart = await timed(clock, async () => {
      if (twoPass) await configure(cluster, input, 'pause');
      await cluster.start();
      if (twoPass) {
        await waitFor(cluster, input.recoveryTimeoutMs, clock, 'paused');
        outcome.state = await replayState(cluster);
      }
    });
    phases.push({ name: 'start', durationMs: restart.durationMs });
  }
  // Step 4: promote a paused server so the checks may write (amcheck installs its extension).
  if (outcome.state?.pauseState === 'paused') {
    const client = await cluster.connect('postgres');
    try {
      await client.query('select pg_promote(wait => true, wait_seconds => 120)');
    } finally {
      await client.end();
    }
  }
}

// cp -a as the invoking user (reflink where it can), then hand the tree to the cluster user; tablespaces re-pointed at their copies.
async function copyBackup(
  backup: StoredBackup<PhysicalBackupRecord>,
  cluster: Cluster,
  clock: Clock,
): Promise<RestoreCopy> {
  const physical = backup.record.physical;
  const tablespace = (oid: string): string => join(cluster.dir, 'tablespaces', oid);
  if (physical.tablespaces.length) await mkdir(join(cluster.dir, 'tablespaces'), { recursive: true });
  const copy = await copyForRestore(
    cluster.runtime,
    [
      { from: join(backup.dir, physical.dataDir), to: cluster.dataDir, label: 'backup' },
      ...physical.tablespaces.map((t) => ({
        from: join(backup.dir, t.path),
        to: tablespace(t.oid),
        label: `tablespace ${t.name}`,
      })),
    ],
    clock,
  );
  for (const t of physical.tablespaces) {
    const link = join(cluster.dataDir, 'pg_tblspc', t.oid);
    await rm(link, { force: true });
    await symlink(tablespace(t.oid), link);
  }
  return copy;
}

// An incremental chain: pg_combinebackup of the restore's major writes a full data directory (cloning where the
// filesystem can, so nothing is shared with the repository's files); its refusal is reported in its own words.
async function combineChain(
  chain: ReadonlyArray<StoredBackup<PhysicalBackupRecord>>,
  backup: StoredBackup<PhysicalBackupRecord>,
  cluster: Cluster,
): Promise<Materialised> {
  const dirs = [...chain, backup].map((b) => join(b.dir, b.record.physical.dataDir));
  // A reflink of one small file of the backup into the restore's directory tells whether --clone works here.
  const mode = (await reflinkAccepted(cluster.runtime, join(dirs[0]!, 'PG_VERSION'), join(cluster.dir, '.clone-probe')))
    ? '--clone'
    : '--copy';
  try {
    await cluster.runtime.tool('pg_combinebackup', [...dirs, '-o', cluster.dataDir, mode], {
      label: 'pg_combinebackup',
    });
    return { findings: [], missing: null };
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    const words = error.stderr
      .split('\n')
      .map((l) => l.replace(/^pg_combinebackup: (error: )?/, '').trim())
      .filter(Boolean)
      .join(' | ');
    const message = `pg_combinebackup refused the chain ${[...chain, backup].map((b) => b.record.id).join(' ← ')}: ${words || error.message}`;
    return { findings: [{ id: 'backup:combine', message }], missing: message };
  }
}

// A snapshot backup: clone the volumes, drop what a backup must not carry, then write backup_label and
// tablespace_map from the bytes pg_backup_stop returned (the map's paths pointed at the clones, never the source's).
interface Materialised {
  findings: Array<{ id: string; message: string }>;
  /** Set when the data directory could not be materialised (a volume not cloned, a chain not combined): the restore cannot go on. */
  missing: string | null;
}

async function materialiseSnapshot(
  backup: StoredBackup<SnapshotBackupRecord>,
  cluster: Cluster,
): Promise<Materialised> {
  const details = backup.record.snapshot;
  const tablespaces = backup.record.physical.tablespaces;
  const findings: Array<{ id: string; message: string }> = [];
  const targets = Object.fromEntries(tablespaces.map((t) => [t.oid, join(cluster.dir, 'tablespaces', t.oid)]));
  if (tablespaces.length) await mkdir(join(cluster.dir, 'tablespaces'), { recursive: true });
  try {
    await restoringDriver(details).restore({
      details,
      backupDir: backup.dir,
      dataTarget: cluster.dataDir,
      tablespaceTargets: targets,
      runtime: cluster.runtime,
      timeoutMs: SNAPSHOT_RESTORE_TIMEOUT_MS,
    });
  } catch (error) {
    if (error instanceof SnapshotMissingError)
      return { findings: [{ id: 'snapshot:volumes', message: error.message }], missing: error.message };
    throw error;
  }
  await scrubDataDir(cluster.dataDir);
  // A pg_wal symlink in the clone points at the source's live WAL directory: give the restore its own.
  const wal = join(cluster.dataDir, 'pg_wal');
  if ((await lstat(wal).catch(() => null))?.isSymbolicLink()) {
    await rm(wal);
    await mkdir(join(wal, 'archive_status'), { recursive: true, mode: 0o700 });
  }
  const label = await readFile(join(backup.dir, details.labelFile)).catch(() => null);
  if (!label)
    findings.push({
      id: 'snapshot:backup-label',
      message: `backup_label is missing from the backup (${details.labelFile}): without it the server would run crash recovery`,
    });
  else {
    const sha = createHash('sha256').update(label).digest('hex');
    if (sha !== details.labelSha256)
      findings.push({
        id: 'snapshot:backup-label',
        message: `backup_label differs from what pg_backup_stop returned (SHA-256 ${sha.slice(0, 12)}…, recorded ${details.labelSha256.slice(0, 12)}…)`,
      });
    await writeFile(join(cluster.dataDir, 'backup_label'), label);
  }
  if (tablespaces.length) {
    const map = details.spcmapFile ? await readFile(join(backup.dir, details.spcmapFile)).catch(() => null) : null;
    if (!map)
      findings.push({
        id: 'snapshot:tablespace-map',
        message: `tablespace_map is missing: the backup has ${tablespaces.length} tablespace(s) (${tablespaces.map((t) => t.name).join(', ')}) but no map from pg_backup_stop`,
      });
    else {
      const sha = createHash('sha256').update(map).digest('hex');
      if (sha !== details.spcmapSha256)
        findings.push({
          id: 'snapshot:tablespace-map',
          message: `tablespace_map differs from what pg_backup_stop returned (SHA-256 ${sha.slice(0, 12)}…)`,
        });
      await writeFile(join(cluster.dataDir, 'tablespace_map'), rewriteTablespaceMap(map.toString('utf8'), targets));
    }
    for (const [oid, target] of Object.entries(targets)) {
      const link = join(cluster.dataDir, 'pg_tblspc', oid);
      await rm(link, { force: true });
      await symlink(target, link);
    }
  }
  return { findings, missing: null };
}

const SNAPSHOT_RESTORE_TIMEOUT_MS = 30 * 60_000;

/** tablespace_map lines are "<oid> <path>": keep every OID, point each at its clone. */
export function rewriteTablespaceMap(map: string, targets: Record<string, string>): string {
  return map
    .split('\n')
    .map((line) => {
      const space = line.indexOf(' ');
      if (space < 0) return line;
      const oid = line.slice(0, space);
      return targets[oid] ? `${oid} ${targets[oid]}` : line;
    })
    .join('\n');
}

// standby.signal would make the restore follow a primary: remove it. Every recovery, archiving and replication
// setting the backup carries is the restore's to write (configure): say which lines it takes away.
async function neutralise(dataDir: string): Promise<string[]> {
  const removed: string[] = [];
  if (existsSync(join(dataDir, 'standby.signal'))) {
    await rm(join(dataDir, 'standby.signal'));
    removed.push('standby.signal');
  }
  for (const stale of ['postmaster.pid', 'postmaster.opts'])
    if (existsSync(join(dataDir, stale))) await rm(join(dataDir, stale));
  const auto = parseConf(await readFile(join(dataDir, 'postgresql.auto.conf'), 'utf8').catch(() => ''));
  for (const line of ownedLines(auto.settings, 'auto.conf')) removed.push(`postgresql.auto.conf: ${line}`);
  for (const include of auto.includes) removed.push(`postgresql.auto.conf: ${include.kind} '${include.path}'`);
  for (const file of await readConfigTree(dataDir)) {
    for (const line of ownedLines(file.settings, 'elsewhere'))
      removed.push(`${file.name}: ${line} (overridden in postgresql.auto.conf)`);
  }
  return removed;
}

// Our own pg_hba (trust on the private socket only) and every setting in postgresql.auto.conf, read last, so it wins over the backup's.
async function configure(cluster: Cluster, input: PhysicalRestoreInput, action: RecoveryAction): Promise<void> {
  const hba = join(cluster.dir, 'pg_hba.conf');
  const ident = join(cluster.dir, 'pg_ident.conf');
  await writeFile(hba, 'local all all trust\nlocal replication all trust\n');
  await writeFile(ident, '');
  const conf = join(cluster.dataDir, 'postgresql.conf');
  if (!existsSync(conf)) await writeFile(conf, '# the source kept its configuration outside the data directory\n');
  const restoreCommand = input.backup.record.external
    ? externalWalCommand(input.restoreCommand, cluster.dataDir)
    : input.restoreCommand;
  const recovery = recoverySettings(input.target, restoreCommand, action);
  const settings: Record<string, string> = {
    // Every recovery, archiving and replication setting the restore does not choose, neutral, before the ones it does.
    ...neutralSettings(input.backup.record.source.major, recovery),
    ...ISOLATION_SETTINGS,
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: confValue(cluster.socketDir),
    hba_file: confValue(hba),
    ident_file: confValue(ident),
    logging_collector: 'off',
    ...recovery,
  };
  const autoFile = join(cluster.dataDir, 'postgresql.auto.conf');
  await writeFile(autoFile, rewriteAutoConf(await readFile(autoFile, 'utf8').catch(() => ''), settings));
  await writeFile(join(cluster.dataDir, 'recovery.signal'), '');
  for (const file of [hba, ident, conf, autoFile, join(cluster.dataDir, 'recovery.signal')])
    await cluster.runtime.adopt(file);
}

type EndState = 'shutdown' | 'paused' | 'promoted';

// What the log of a server that started and already stopped (or never got going) says.
const SERVER_GONE = /database system is shut down|startup process \(PID \d+\) exited|FATAL:/;
const SERVER_APPEAR_TIMEOUT_MS = 60_000;
// How often a replay is looked at: each look is a pg_ctl status or a connection, and a drill of many targets waits often.
const REPLAY_POLL_MS = 100;

// Start recovery and wait for the end state the action leads to; `failed` when the server died instead.
async function replayOnce(
  cluster: Cluster,
  timeoutMs: number,
  clock: Clock,
  until: EndState,
  logFrom: number,
): Promise<{ failed: boolean }> {
  const logSoFar = async (): Promise<string> => (await cluster.readLog()).slice(logFrom);
  if (until === 'shutdown') {
    await cluster.start({ wait: false });
    const deadline = clock.now() + timeoutMs;
    // pg_ctl -W returns before postmaster.pid exists: wait until the server is up, or has already come and gone
    // (a fixed pause lost that race on a loaded machine, and a recovery still starting was judged as failed).
    const appeared = clock.now() + SERVER_APPEAR_TIMEOUT_MS;
    while (!existsSync(join(cluster.dataDir, 'postmaster.pid')) && !SERVER_GONE.test(await logSoFar())) {
      if (clock.now() > appeared)
        throw new EnvironmentError(
          'server-start-failed',
          `the restored server did not start within ${SERVER_APPEAR_TIMEOUT_MS / 1000} s`,
        );
      await clock.sleep(100);
    }
    while (await cluster.isRunning()) {
      if (clock.now() > deadline)
        throw new EnvironmentError(
          'recovery-timeout',
          `recovery did not finish within ${Math.round(timeoutMs / 1000)} s`,
        );
      await clock.sleep(REPLAY_POLL_MS);
    }
    // A startup process that died (target not reached, WAL missing) also ends in "database system is shut down".
    const log = await logSoFar();
    return {
      failed:
        readRecoveryLog(log).fatal.length > 0 ||
        /startup process \(PID \d+\) exited with exit code/.test(log) ||
        !/database system is shut down/.test(log),
    };
  }
  try {
    await cluster.start();
  } catch (error) {
    if (error instanceof EnvironmentError) return { failed: true };
    throw error;
  }
  return { failed: !(await waitFor(cluster, timeoutMs, clock, until)) };
}

// Poll until the server is paused at its target or promoted; false if it died on the way.
async function waitFor(
  cluster: Cluster,
  timeoutMs: number,
  clock: Clock,
  until: 'paused' | 'promoted',
): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    if (!(await cluster.isRunning())) return false;
    const client = await cluster.connect('postgres').catch(() => null);
    // Not accepting connections yet, or shutting down: look again.
    if (client) {
      try {
        const { rows } = await client.query<{ recovering: boolean; pause: string | null }>(
          `select pg_is_in_recovery() as recovering, ${pauseStateSql(cluster.runtime.major)} as pause`,
        );
        const r = rows[0]!;
        if (until === 'paused' && r.pause === 'paused') return true;
        if (!r.recovering) return true;
      } catch (error) {
        // A server going away mid-query is looked at again; any other error is ours and would only loop to the timeout.
        if (
          !SHUTTING_DOWN.has((error as { code?: string }).code ?? '') &&
          !/Connection terminated/i.test((error as Error).message)
        )
          throw error;
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    if (clock.now() > deadline)
      throw new EnvironmentError(
        'recovery-timeout',
        `recovery did not reach its target within ${Math.round(timeoutMs / 1000)} s`,
      );
    await clock.sleep(REPLAY_POLL_MS);
  }
}

// admin_shutdown, crash_shutdown, cannot_connect_now.
const SHUTTING_DOWN = new Set(['57P01', '57P02', '57P03']);

/** Replay's pause state, NULL out of recovery: pg_get_wal_replay_pause_state() from 14, pg_is_wal_replay_paused() before. */
export function pauseStateSql(major: number): string {
  return major >= 14
    ? 'case when pg_is_in_recovery() then pg_get_wal_replay_pause_state() end'
    : "case when pg_is_in_recovery() then case when pg_is_wal_replay_paused() then 'paused' else 'not paused' end end";
}

// The server's own view of where replay stopped.
async function replayState(cluster: Cluster): Promise<ReplayState> {
  const client = await cluster.connect('postgres');
  try {
    const { rows } = await client.query<{ lsn: string | null; pause: string | null; ts: string | null }>(
      `select pg_last_wal_replay_lsn()::text as lsn,
              ${pauseStateSql(cluster.runtime.major)} as pause,
              to_char(pg_last_xact_replay_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' as ts`,
    );
    const r = rows[0]!;
    return { replayLsn: r.lsn, pauseState: r.pause, lastReplayedCommit: r.ts };
  } finally {
    await client.end();
  }
}

// pg_checksums --check on the stopped cluster: exit 1 with "checksum verification failed" lines on damage.
async function checksumCluster(cluster: Cluster): Promise<{ ran: boolean; ok: boolean; output: string }> {
  try {
    const r = await cluster.runtime.tool('pg_checksums', ['--check', '-D', cluster.dataDir], { asClusterUser: true });
    return { ran: true, ok: true, output: r.stdout.trim() };
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    return { ran: true, ok: false, output: `${error.stderr}\n${error.stdout}`.trim() };
  }
}
