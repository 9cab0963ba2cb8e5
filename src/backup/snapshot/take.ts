// Snapshot backup: one dedicated connection from start to stop, the volumes captured in between, stop in a finally.
import { join } from 'node:path';
import { writeFile, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { timeId } from '../../core/ids.ts';
import { BackupUnusableError, ScenarioError, RecoverableError } from '../../core/errors.ts';
import { pgClient } from '../../core/pg-client.ts';
import type { Logger } from '../../core/log.ts';
import type { Clock } from '../../core/clock.ts';
import type { Source } from '../../source/source.ts';
import type { LocalRepository, StoredBackup } from '../../repository/local-repository.ts';
import { EXPECTATIONS_FILE, type StoredExpectations, type TablespaceRecord } from '../../repository/backup-record.ts';
import type { Expectations } from '../../expectations/capture.ts';
import { WalArchive } from '../../repository/wal-archive.ts';
import { segmentName } from '../../repository/wal-names.ts';
import { sourceFacts, waitForArchived, type AfterBackup } from '../basebackup.ts';
import { writeHistory } from '../../repository/history.ts';
import { sourceRecord } from '../../source/source-record.ts';
import { startBackup, stopBackup, labelTimeline } from './backup-api.ts';
import { requireSnapshotGrants } from '../../source/role-privileges.ts';
import type { SnapshotDriver } from './driver.ts';

export interface SnapshotBackupOptions {
  scenario: string;
  driver: SnapshotDriver;
  /** The scenario's commands, kept in the record so a later restore or prune uses the same. */
  restoreCommand?: string;
  deleteCommand?: string;
  timeoutMs: number;
  /** A standby is accepted only when the scenario says its archive is complete (archive_mode=always, checked). */
  allowStandby: boolean;
  /** Runs alongside the snapshot (the managed source's workload keeps writing). */
  during?: () => Promise<void>;
  /** Exact expectations, captured once writes stopped and before the stop call. */
  beforeStop?: () => Promise<Expectations>;
  /** How long to wait for the stop segment in the archive; null when the archive is another tool's. */
  archiveTimeoutMs: number | null;
  /** A managed source: markers and end state, recorded into the backup before it is committed. */
  afterBackup?: AfterBackup;
}

export const LABEL_DIR = 'label';

/** Take a snapshot backup; the record is written only when stop succeeded and the stop segment is archived. */
export async function takeSnapshotBackup(
  source: Source,
  repo: LocalRepository,
  options: SnapshotBackupOptions,
  log: Logger,
  clock: Clock,
): Promise<StoredBackup> {
  const startedAt = clock.date();
  const started = clock.now();
  await requireSnapshotGrants(source);
  return repo.writeBackup(timeId(startedAt), async (staged) => {
    const client = pgClient(source.clientConfig());
    try {
      const facts = await sourceFacts(source);
      await client.connect();
      const place = await placeOf(client, options.allowStandby);
      const name = `recoverable-${staged.id}`;
      const label = `recoverable ${staged.id}`;
      // Step 1: start, on this connection, which stays open until stop.
      const startLsn = await startBackup(client, source.major, label);
      const timeline = place.timeline;
      const startWalFile = segmentName(timeline, startLsn, facts.walSegmentSize);
      log.info(
        `backup started at ${startLsn}: snapshotting ${place.pgdata}${facts.tablespaces.length ? ` and ${facts.tablespaces.length} tablespace(s)` : ''} (${options.driver.kind})`,
      );
      // Step 2: the snapshot (and the workload, if any), then expectations; stop runs whatever happened.
      let taken: Awaited<ReturnType<SnapshotDriver['take']>> = {};
      let expectations: Expectations | null = null;
      let stop;
      try {
        const [snap, during] = await Promise.allSettled([
          options.driver.take({
            name,
            pgdata: place.pgdata,
            tablespaces: Object.fromEntries(facts.tablespaces.map((t) => [t.oid, t.location])),
            startLsn,
            startWalFile,
            stagedDir: staged.dir,
            repository: repo.root,
            timeoutMs: options.timeoutMs,
          }),
          options.during?.() ?? Promise.resolve(),
        ]);
        if (snap.status === 'rejected') throw snapshotFailed(snap.reason);
        if (during.status === 'rejected') throw during.reason;
        taken = snap.value;
        if (options.beforeStop) expectations = await options.beforeStop();
      } finally {
        stop = await stopBackup(client, source.major, options.archiveTimeoutMs ?? 3_600_000).catch(
          (error: Error) => error,
        );
      }
      if (stop instanceof Error) {
        throw new BackupUnusableError(`the backup could not be stopped cleanly: ${stop.message}`, {
          hint: /statement timeout/.test(stop.message)
            ? 'the stop segment was never archived: check archive_command and pg_stat_archiver'
            : 'see the source server log',
          cause: stop,
        });
      }
      // Step 3: the bytes pg_backup_stop returned, stored as they are.
      await mkdir(join(staged.dir, LABEL_DIR), { mode: 0o700 });
      await writeFile(join(staged.dir, LABEL_DIR, 'backup_label'), stop.labelfile, { mode: 0o600 });
      if (stop.spcmapfile)
        await writeFile(join(staged.dir, LABEL_DIR, 'tablespace_map'), stop.spcmapfile, { mode: 0o600 });
      const stopSegment = segmentName(labelTimeline(stop.labelfile) ?? timeline, stop.stopLsn, facts.walSegmentSize);
      // A standby is never asked to switch WAL: it cannot; its archiver (archive_mode = always) or its primary's must.
      if (options.archiveTimeoutMs !== null)
        await waitForArchived(
          source,
          {
            archive: WalArchive.forSystem(repo.root, facts.systemIdentifier),
            segment: stopSegment,
            system: facts.systemIdentifier,
            timeoutMs: options.archiveTimeoutMs,
            standby: place.standby,
          },
          log,
          clock,
        );
      if (expectations) {
        const stored: StoredExpectations = {
          formatVersion: 1,
          exactness: 'exact',
          capturedAt: startedAt.toISOString(),
          expectations,
        };
        await writeFile(join(staged.dir, EXPECTATIONS_FILE), `${JSON.stringify(stored)}\n`, { mode: 0o600 });
      }
      const tablespaces: TablespaceRecord[] = facts.tablespaces.map((t) => ({
        oid: t.oid,
        name: t.name,
        sourceLocation: t.location,
        path: `tablespaces/${t.oid}`,
      }));
      const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
      const finishedAt = clock.date().toISOString();
      const durationMs = Math.round(clock.now() - started);
      // Step 4: a managed source's markers, inside the backup before it is committed: no backup without its history.
      const historyFile = options.afterBackup
        ? await writeHistory(
            staged.dir,
            await options.afterBackup({ id: staged.id, systemIdentifier: facts.systemIdentifier }),
          )
        : null;
      const backup = await repo.commit(staged, {
        id: staged.id,
        method: 'snapshot',
        scenario: options.scenario,
        startedAt: startedAt.toISOString(),
        finishedAt,
        durationMs,
        source: sourceRecord(source, facts.systemIdentifier),
        physical: {
          dataDir: 'data',
          label,
          startLsn,
          stopLsn: stop.stopLsn,
          timeline,
          startSegment: startWalFile,
          stopSegment,
          walSegmentSize: facts.walSegmentSize,
          systemIdentifier: facts.systemIdentifier,
          dataChecksums: facts.dataChecksums,
          superuser: facts.superuser,
          tablespaces,
          hazards: [],
          toolVersion: `PostgreSQL ${source.serverVersion} low-level backup API`,
        },
        snapshot: {
          name,
          driver: options.driver.kind,
          pgdata: place.pgdata,
          ...taken,
          ...(options.restoreCommand ? { restoreCommand: options.restoreCommand } : {}),
          ...(options.deleteCommand ? { deleteCommand: options.deleteCommand } : {}),
          labelFile: `${LABEL_DIR}/backup_label`,
          labelSha256: sha(stop.labelfile),
          spcmapFile: stop.spcmapfile ? `${LABEL_DIR}/tablespace_map` : null,
          spcmapSha256: stop.spcmapfile ? sha(stop.spcmapfile) : null,
          fromStandby: place.standby,
        },
        expectationsFile: expectations ? EXPECTATIONS_FILE : null,
        historyFile,
      });
      log.info(
        { backup: backup.record.id, startLsn, stopLsn: stop.stopLsn },
        `snapshot backup ${backup.record.id} complete: WAL ${startWalFile} to ${stopSegment}`,
      );
      return backup;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}

// Where PGDATA is, the timeline, and whether this is a standby (accepted only with archive_mode=always).
async function placeOf(
  client: import('pg').Client,
  allowStandby: boolean,
): Promise<{ pgdata: string; timeline: number; standby: boolean }> {
  const { rows } = await client.query<{ pgdata: string; standby: boolean; archive_mode: string; timeline: number }>(
    `select current_setting('data_directory') as pgdata, pg_is_in_recovery() as standby, current_setting('archive_mode') as archive_mode,
            (select timeline_id from pg_control_checkpoint()) as timeline`,
  );
  const r = rows[0]!;
  if (r.standby && !allowStandby) {
    throw new ScenarioError(
      'the source is a standby: on a standby the backup stop does not wait for WAL archiving, so the backup could be missing WAL',
      [
        {
          path: 'backup.snapshot.allowStandby',
          problem: 'the source is a standby',
          fix: 'back up the primary, or set allowStandby: true if the standby archives its own WAL (archive_mode = always)',
        },
      ],
    );
  }
  if (r.standby && r.archive_mode !== 'always') {
    throw new ScenarioError(
      `the source is a standby with archive_mode = ${r.archive_mode}: its archive is not complete`,
      [
        {
          path: 'backup.snapshot.allowStandby',
          problem: `archive_mode is ${r.archive_mode} on the standby`,
          fix: 'set archive_mode = always on the standby (so it archives what it replays), or back up the primary',
        },
      ],
    );
  }
  return { pgdata: r.pgdata, timeline: r.timeline, standby: r.standby };
}

function snapshotFailed(reason: unknown): Error {
  if (reason instanceof RecoverableError && reason.code !== 'tool-failed') return reason;
  return new BackupUnusableError(
    `the snapshot failed, the backup was stopped and nothing was recorded: ${(reason as Error).message}`,
    { cause: reason },
  );
}
