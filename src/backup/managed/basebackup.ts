// A physical backup of the managed source: archive into the repository, back up, then write marked batches.
import type pg from 'pg';
import { pgClient } from '../../core/pg-client.ts';
import type { Scenario } from '../../scenario/types.ts';
import type { Logger } from '../../core/log.ts';
import type { Clock } from '../../core/clock.ts';
import { BackupUnusableError } from '../../core/errors.ts';
import type { Runtime } from '../../env/runtime.ts';
import { managedRuntime } from './runtime.ts';
import type { LocalRepository, StoredBackup } from '../../repository/local-repository.ts';
import type { SourceHistory } from '../../repository/history.ts';
import { WalArchive } from '../../repository/wal-archive.ts';
import { startManagedSource } from '../../source/managed.ts';
import { archiveCommand, containerArchiveCommand, prepareArchiveDir } from '../../source/archive-command.ts';
import { ensureMarkerTable, writeMarker, type MarkerRecord } from '../../source/markers.ts';
import { runWorkload } from '../../source/workload.ts';
import { captureExpectations, type Expectations } from '../../expectations/capture.ts';
import { pinSession } from '../../expectations/session.ts';
import { confValue } from '../../restore/recovery-config.ts';
import { takeBasebackup } from '../basebackup.ts';
import { archiveKeyFile } from '../../source/archive-key.ts';

/** Batches written after the backup, each closed by a marker; what PITR targets point at. */
export const MARKER_BATCHES = 3;
const ARCHIVE_TIMEOUT_MS = 60_000;
/** Backups a managed source's incremental chain holds: one full, then incrementals (the last one is drilled). */
export const MANAGED_CHAIN_LENGTH = 3;
// Workload seeds between chain backups, apart from the marked batches' (seed + 1, + 2, ...).
const CHAIN_SEED_OFFSET = 100;

// Transactions in one batch of the workload after a backup.
function batchSize(workload: { transactions: number }): number {
  return Math.max(20, Math.floor(workload.transactions / 10));
}

/** Settings that make the managed source archive through `recoverable archive-wal` and time its commits. */
export function archiveSettings(
  repository: string,
  system: string,
  runtime: Runtime,
  keyFile?: string,
): Record<string, string> {
  return {
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: confValue(
      runtime.kind === 'local'
        ? archiveCommand(repository, system, keyFile)
        : containerArchiveCommand(repository, system),
    ),
    track_commit_timestamp: 'on',
    max_wal_senders: '10',
  };
}

/** Settings callback: the managed source archives into `repo`, in its own system's directory (encrypted with the key in `keyFile`). */
export function archiving(
  repo: LocalRepository,
  runtime: Runtime,
  keyFile?: string,
): (system: string) => Promise<Record<string, string>> {
  return async (system) => {
    await prepareArchiveDir(repo.root, system, runtime);
    return archiveSettings(repo.root, system, runtime, keyFile);
  };
}

/** Start the managed source archiving into `repo`, take a basebackup, record markers and the end state into it, then commit it. */
export async function takeManagedBasebackup(
  scenario: Scenario,
  repo: LocalRepository,
  log: Logger,
  clock: Clock,
): Promise<StoredBackup> {
  const spec = scenario.source;
  // Cannot happen: obtainBackup and takeBackup call this only for a managed source.
  if (spec.kind !== 'managed') throw new Error('takeManagedBasebackup needs a managed source');
  const { runtime, dispose } = await managedRuntime(scenario, repo, ['pg_basebackup', 'pg_controldata'], log);
  log.info(
    `starting managed PostgreSQL ${runtime.version} source (${runtime.kind}), archiving into ${repo.root}${repo.key ? ` encrypted with key ${repo.key.id}` : ''}`,
  );
  // Encrypted, the archiver (the server's OS user) reads the key from a private copy, removed with the source.
  const keyFile = repo.key ? await archiveKeyFile(repo.key, runtime) : null;
  let source: Awaited<ReturnType<typeof startManagedSource>>;
  try {
    const archive = archiving(repo, runtime, keyFile?.path);
    // Incremental backups are taken from WAL summaries (PostgreSQL 17+).
    const settings = async (system: string): Promise<Record<string, string>> => ({
      ...(await archive(system)),
      ...(scenario.backup.incremental ? { summarize_wal: 'on' } : {}),
    });
    source = await startManagedSource(spec, runtime, log, { settings, disposeRuntime: dispose });
  } catch (error) {
    await keyFile?.dispose();
    throw error;
  }
  const client = pgClient(source.clientConfig());
  try {
    await client.connect();
    await pinSession(client);
    await ensureMarkerTable(client);
    const incremental = scenario.backup.incremental ?? false;
    // A managed source lives for one run, so it takes its whole chain now: a full backup, then incrementals, a batch
    // of the workload before each; every one of them carries the exact expectations of its moment.
    if (incremental) {
      for (let step = 1; step <= MANAGED_CHAIN_LENGTH - 1; step++) {
        await takeBasebackup(
          source,
          runtime,
          repo,
          {
            scenario: scenario.name,
            expectations: await capture(client),
            archiveTimeoutMs: scenario.backup.archiveTimeoutMs,
            incremental,
          },
          log,
          clock,
        );
        await runWorkload(client, {
          seed: spec.workload.seed + CHAIN_SEED_OFFSET + step,
          transactions: batchSize(spec.workload),
        });
      }
    }
    // The workload is paused, so the backup's end state is exactly what is captured here.
    const expectations = await capture(client);
    // The marked batches run before the backup is committed: it becomes visible with its history, or not at all.
    return await takeBasebackup(
      source,
      runtime,
      repo,
      {
        scenario: scenario.name,
        expectations,
        archiveTimeoutMs: scenario.backup.archiveTimeoutMs,
        incremental,
        afterBackup: (backup) => recordHistory(client, backup, spec.workload, repo, log, clock),
      },
      log,
      clock,
    );
  } finally {
    await client.end().catch(() => undefined);
    await source.dispose();
    await keyFile?.dispose();
  }
}

// Data as a physical restore brings it back (materialized views as stored), in one snapshot.
export async function capture(client: pg.Client): Promise<Expectations> {
  await client.query('begin isolation level repeatable read read only');
  try {
    return await captureExpectations(client, { fingerprints: true, largeObjectContent: true });
  } finally {
    await client.query('commit');
  }
}

// Batches of the workload, each followed by its exact expectations and a marker; then an end marker, archived.
export async function recordHistory(
  client: pg.Client,
  backup: { id: string; systemIdentifier: string },
  workload: { seed: number; transactions: number },
  repo: LocalRepository,
  log: Logger,
  clock: Clock,
): Promise<SourceHistory> {
  const markers: MarkerRecord[] = [];
  const perBatch = batchSize(workload);
  let expectations: Expectations | null = null;
  for (let batch = 1; batch <= MARKER_BATCHES; batch++) {
    await runWorkload(client, { seed: workload.seed + batch, transactions: perBatch });
    expectations = await capture(client);
    markers.push(await writeMarker(client, `batch-${batch}`, expectations));
  }
  // A commit after the last marker lets an inclusive time target stop there; then archive everything.
  const end = await writeMarker(client, 'end', null);
  const { rows } = await client.query<{ segment: string }>('select pg_walfile_name(pg_switch_wal()) as segment');
  const lastSegment = rows[0]!.segment;
  await waitForSegment(new WalArchive(repo.root, backup.systemIdentifier), lastSegment, clock);
  log.info(`wrote ${markers.length} marked batches after backup ${backup.id}; WAL archived to ${lastSegment}`);
  return {
    formatVersion: 1,
    backupId: backup.id,
    systemIdentifier: backup.systemIdentifier,
    markers,
    end: { expectations: expectations!, lastCommitTime: end.time, lsn: end.lsn, lastSegment },
  };
}

async function waitForSegment(archive: WalArchive, segment: string, clock: Clock): Promise<void> {
  const deadline = clock.now() + ARCHIVE_TIMEOUT_MS;
  while (!(await archive.has(segment))) {
    if (clock.now() > deadline)
      throw new BackupUnusableError(`WAL segment ${segment} never reached the archive`, {
        hint: 'check archive_command and pg_stat_archiver on the source',
      });
    await clock.sleep(200);
  }
}
