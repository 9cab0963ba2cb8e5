// Basebackup: pg_basebackup plain format with a manifest, WAL streamed; complete once its stop segment is archived.
import type pg from 'pg';
import { pgClient } from '../core/pg-client.ts';
import { dirname, join, relative } from 'node:path';
import { readFile, writeFile, mkdir, rm, symlink } from 'node:fs/promises';
import { timeId } from '../core/ids.ts';
import { BackupUnusableError, EnvironmentError, MissingGrantError, ToolError } from '../core/errors.ts';
import { switchWal, type WalSwitchOutcome } from '../source/wal-switch.ts';
import { requireReplication } from '../source/role-privileges.ts';
import { replicationGrantFor } from '../source/missing-grant.ts';
import type { Logger } from '../core/log.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { Runtime } from '../env/runtime.ts';
import type { Source } from '../source/source.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import { EXPECTATIONS_FILE, type StoredExpectations, type TablespaceRecord } from '../repository/backup-record.ts';
import type { Expectations } from '../expectations/capture.ts';
import { writeHistory, type SourceHistory } from '../repository/history.ts';
import { sourceRecord } from '../source/source-record.ts';
import { WalArchive } from '../repository/wal-archive.ts';
import { segmentName } from '../repository/wal-names.ts';
import { incrementalBase, incrementalDetails } from './incremental.ts';

export const DATA_DIR = 'data';

export interface BasebackupOptions {
  scenario: string;
  /** Exact expectations of the source while the backup ran (the workload is paused), or null. */
  expectations: Expectations | null;
  /** How long to wait for the stop segment to reach the archive; null when the archive is another tool's. */
  archiveTimeoutMs: number | null;
  /** A managed source: what happened after the backup (markers, end state), recorded before the backup is committed. */
  afterBackup?: AfterBackup;
  /** Take it incrementally on top of the newest basebackup of the same source in the repository (a full one if none). */
  incremental?: boolean;
}

/** Records the source's history once the backup is complete; its file goes into the backup, under its manifest. */
export type AfterBackup = (backup: { id: string; systemIdentifier: string }) => Promise<SourceHistory>;

export interface SourceFacts {
  systemIdentifier: string;
  walSegmentSize: number;
  dataChecksums: boolean;
  superuser: string;
  tablespaces: Array<{ oid: string; name: string; location: string }>;
  /** pg_is_in_recovery(): the source is a standby (or still recovering). */
  inRecovery: boolean;
}

/** Take a basebackup of `source` into `repo`; visible only when complete and its stop segment archived. */
export async function takeBasebackup(
  source: Source,
  runtime: Runtime,
  repo: LocalRepository,
  options: BasebackupOptions,
  log: Logger,
  clock: Clock,
): Promise<StoredBackup> {
  const startedAt = clock.date();
  const started = clock.now();
  // One connection for the role's grant and the source's facts: each connection is a round trip and a backend start.
  const { role, facts } = await withSourceClient(source, async (client) => {
    const role = await requireReplication(source, client);
    return { role, facts: await sourceFacts(source, client) };
  });
  return repo.writeBackup(timeId(startedAt), async (staged) => {
    const label = `recoverable ${staged.id}`;
    // Step 1: pg_basebackup, tablespaces mapped into the backup so nothing is written over the source's own paths.
    const tablespaces: TablespaceRecord[] = facts.tablespaces.map((t) => ({
      oid: t.oid,
      name: t.name,
      sourceLocation: t.location,
      path: `tablespaces/${t.oid}`,
    }));
    const base = options.incremental ? await incrementalBase(source, repo, options.scenario, facts, log) : null;
    const args = [
      '-d',
      source.conninfo(),
      '-D',
      join(staged.dir, DATA_DIR),
      '-Fp',
      '-X',
      'stream',
      '-c',
      'fast',
      '-l',
      label,
      '--manifest-checksums=SHA256',
      '-v',
      '-n',
    ];
    if (base) args.push(`--incremental=${base.manifest}`);
    for (const t of tablespaces) {
      await mkdir(join(staged.dir, t.path), { recursive: true, mode: 0o700 });
      args.push(
        `--tablespace-mapping=${t.sourceLocation.replace(/=/g, '\\=')}=${join(staged.dir, t.path).replace(/=/g, '\\=')}`,
      );
    }
    log.info(`pg_basebackup of ${source.describe()}${facts.inRecovery ? ', a standby' : ''}`);
    // The tool's version line is asked beside the copy, not after it: the backup is complete sooner.
    const toolVersion = runtime.tool('pg_basebackup', ['--version']).then((r) => r.stdout.trim());
    toolVersion.catch(() => undefined); // awaited below; a failed copy must not leave it unhandled
    const copyStarted = clock.now();
    const result = await runtime.tool('pg_basebackup', args, { env: source.toolEnv() }).catch((error: unknown) => {
      throw replicationRefusal(error, role) ?? error;
    });
    const basebackupMs = Math.round(clock.now() - copyStarted);
    await relinkTablespaces(join(staged.dir, DATA_DIR), staged.dir, tablespaces);
    const startLsn = match(result.stderr, /write-ahead log start point: ([0-9A-F]+\/[0-9A-F]+) on timeline (\d+)/i);
    const stopLsn = match(result.stderr, /write-ahead log end point: ([0-9A-F]+\/[0-9A-F]+)/i);
    const timeline = Number(match(result.stderr, /on timeline (\d+)/i));
    const startSegment = segmentName(timeline, startLsn, facts.walSegmentSize);
    // The segment holding the stop point, even on a boundary (a standby's often is): recovery reads it before it stops.
    const stopSegment = segmentName(timeline, stopLsn, facts.walSegmentSize);
    // Step 2: the backup counts only once the archive holds its stop segment.
    const archiveWaitMs =
      options.archiveTimeoutMs === null
        ? null
        : await waitForArchived(
            source,
            {
              archive: WalArchive.forSystem(repo.root, facts.systemIdentifier, { key: repo.key }),
              segment: stopSegment,
              system: facts.systemIdentifier,
              timeoutMs: options.archiveTimeoutMs,
              standby: facts.inRecovery,
            },
            log,
            clock,
          );
    // Step 3: what the backup carries that a restore must neutralise, then the metadata and the manifest.
    const hazards = await findHazards(join(staged.dir, DATA_DIR));
    if (options.expectations) {
      const stored: StoredExpectations = {
        formatVersion: 1,
        exactness: 'exact',
        capturedAt: startedAt.toISOString(),
        expectations: options.expectations,
      };
      await writeFile(join(staged.dir, EXPECTATIONS_FILE), `${JSON.stringify(stored)}\n`, { mode: 0o600 });
    }
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
      method: 'basebackup',
      scenario: options.scenario,
      startedAt: startedAt.toISOString(),
      finishedAt,
      durationMs,
      source: sourceRecord(source, facts.systemIdentifier),
      physical: {
        dataDir: DATA_DIR,
        label,
        startLsn,
        stopLsn,
        timeline,
        startSegment,
        stopSegment,
        walSegmentSize: facts.walSegmentSize,
        systemIdentifier: facts.systemIdentifier,
        dataChecksums: facts.dataChecksums,
        superuser: facts.superuser,
        tablespaces,
        hazards,
        ...(facts.inRecovery ? { fromStandby: true } : {}),
        toolVersion: await toolVersion,
        ...(base
          ? {
              incremental: incrementalDetails(base, await readFile(join(staged.dir, DATA_DIR, 'backup_label'), 'utf8')),
            }
          : {}),
      },
      expectationsFile: options.expectations ? EXPECTATIONS_FILE : null,
      historyFile,
    });
    const kind = base
      ? `incremental backup ${backup.record.id} (parent ${base.parent.record.id})`
      : `backup ${backup.record.id}`;
    // The durations split the backup's time between PostgreSQL's copy and the wait for the archiver.
    log.info(
      {
        backup: backup.record.id,
        startLsn,
        stopLsn,
        basebackupMs,
        archiveWaitMs,
        ...(facts.inRecovery ? { fromStandby: true } : {}),
        ...(base ? { parent: base.parent.record.id } : {}),
      },
      `${kind} complete: WAL ${startSegment} to ${stopSegment}`,
    );
    return backup;
  });
}

// pg_basebackup points pg_tblspc/<oid> at the staging path, which the commit renames away; pointed relatively at the
// backup's own copy, the link resolves wherever the backup is read (pg_verifybackup follows it, in Docker too).
async function relinkTablespaces(
  dataDir: string,
  backupDir: string,
  tablespaces: readonly TablespaceRecord[],
): Promise<void> {
  for (const t of tablespaces) {
    const link = join(dataDir, 'pg_tblspc', t.oid);
    await rm(link, { force: true });
    await symlink(relative(dirname(link), join(backupDir, t.path)), link);
  }
}

// pg_basebackup refused for want of a privilege (pg_hba.conf, REPLICATION): exit 3 naming the fix.
function replicationRefusal(error: unknown, role: string): MissingGrantError | null {
  if (!(error instanceof ToolError)) return null;
  const needed = replicationGrantFor(error.stderr, role);
  if (!needed) return null;
  return new MissingGrantError(`pg_basebackup was refused: ${needed.refused}; fix it`, needed.grants, {
    cause: error,
    hint: needed.grants.join('; '),
  });
}

function match(text: string, re: RegExp): string {
  const m = re.exec(text);
  if (!m?.[1])
    throw new BackupUnusableError(`pg_basebackup did not report ${re.source.split(':')[0]}`, {
      hint: 'run pg_basebackup -v by hand to see its output',
    });
  return m[1];
}

// Facts of the source a restore needs: identity, WAL geometry, checksums, superuser, tablespaces (over `client` when given).
export async function sourceFacts(source: Source, client?: pg.Client): Promise<SourceFacts> {
  if (!client) return withSourceClient(source, (own) => sourceFacts(source, own));
  const { rows } = await client.query<{
    sysid: string;
    segsize: string;
    checksums: string;
    superuser: string;
    in_recovery: boolean;
  }>(
    `select (select system_identifier::text from pg_control_system()) as sysid, current_setting('wal_segment_size') as segsize,
            current_setting('data_checksums') as checksums, (select rolname from pg_roles where oid = 10) as superuser,
            pg_is_in_recovery() as in_recovery`,
  );
  const spc = await client.query<{ oid: string; name: string; location: string }>(
    `select oid::text, spcname as name, pg_tablespace_location(oid) as location from pg_tablespace where spcname not in ('pg_default', 'pg_global') order by oid`,
  );
  const r = rows[0]!;
  return {
    systemIdentifier: r.sysid,
    walSegmentSize: parseSize(r.segsize),
    dataChecksums: r.checksums === 'on',
    superuser: r.superuser,
    tablespaces: spc.rows,
    inRecovery: r.in_recovery,
  };
}

// One short connection to the source, ended whatever happens.
async function withSourceClient<T>(source: Source, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = pgClient(source.clientConfig());
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

// current_setting('wal_segment_size') prints e.g. "16MB".
function parseSize(text: string): number {
  const m = /^(\d+)\s*(kB|MB|GB)?$/.exec(text.trim());
  if (!m) return 16 * 1024 * 1024;
  const unit = m[2] === 'GB' ? 1024 ** 3 : m[2] === 'MB' ? 1024 ** 2 : m[2] === 'kB' ? 1024 : 1;
  return Number(m[1]) * unit;
}

// How often the archive is looked at: one stat each time, so a short interval costs nothing and the backup ends
// as soon as the archiver has put the stop segment in place.
const ARCHIVE_POLL_MS = 50;
// How long the archiver gets on its own before the source is asked to switch WAL (a primary only).
const SWITCH_AFTER_MS = 3000;

/** What a backup waits for: its stop segment, in this archive, written by this cluster, within the timeout. */
export interface ArchiveWait {
  archive: WalArchive;
  segment: string;
  /** The source's system identifier: the archived segment must carry it. */
  system: string;
  timeoutMs: number;
  /** The source is in recovery: WAL cannot be switched there, its primary (or its own archiver) must get there. */
  standby: boolean;
  /** How WAL is switched on the source; a seam for tests. */
  switchWal?: (source: Source) => Promise<WalSwitchOutcome>;
}

/**
 * Poll the archive for the stop segment; a primary is asked once to switch WAL if the segment lingers, a standby never
 * is (it cannot). Returns how long it waited, in ms.
 */
export async function waitForArchived(
  source: Source,
  wait: ArchiveWait,
  log: Logger,
  clock: Clock = systemClock,
): Promise<number> {
  const { archive, segment, system, timeoutMs, standby } = wait;
  const started = clock.now();
  const deadline = started + timeoutMs;
  let asked = false;
  while (!(await archive.has(segment))) {
    if (clock.now() > deadline) throw await neverArchived(source, segment, timeoutMs, standby);
    if (!asked && clock.now() > started + SWITCH_AFTER_MS) {
      asked = true;
      if (standby) {
        log.info(
          `the source is a standby, where WAL cannot be switched: waiting up to ${Math.round(timeoutMs / 1000)} s for its primary to finish ${segment} and for it to be archived`,
        );
      } else {
        log.debug(`asking the source to switch WAL so ${segment} is archived`);
        const outcome = await (wait.switchWal ?? switchWal)(source);
        // A least-privilege role may not switch: the backup's stop already switched, so the archiver gets there alone.
        if (outcome === 'not-permitted')
          log.debug('the backup role may not call pg_switch_wal(): waiting for the archiver');
        if (outcome === 'in-recovery')
          log.info(
            `the source went into recovery: waiting for its primary to finish ${segment} and for it to be archived`,
          );
      }
    }
    await clock.sleep(ARCHIVE_POLL_MS);
  }
  // A segment of the same name from another cluster would make this backup look complete when it is not.
  const owner = await archive.systemIdOf(segment);
  if (owner !== system) {
    throw new BackupUnusableError(
      `the archived ${segment} belongs to another cluster (system identifier ${owner ?? 'unreadable'}, this one is ${system})`,
      {
        hint: 'two clusters archive into one WAL directory: give each its own --system in archive_command',
      },
    );
  }
  return Math.round(clock.now() - started);
}

// The stop segment never came: on a primary the archiver failed; on a standby the primary never finished the segment.
async function neverArchived(
  source: Source,
  segment: string,
  timeoutMs: number,
  standby: boolean,
): Promise<BackupUnusableError | EnvironmentError> {
  const waited = `${Math.round(timeoutMs / 1000)} s`;
  if (!standby)
    return new BackupUnusableError(
      `the backup's stop segment ${segment} never reached the archive in ${waited} (${await archiverState(source)})`,
      { hint: 'check archive_command on the source and the server log for why archiving fails' },
    );
  return new EnvironmentError(
    'standby-wal-unarchived',
    `the backup's stop segment ${segment} never reached the archive in ${waited}: the source is a standby, where WAL cannot be switched, and its primary did not finish that segment and archive it here (the standby's ${await archiverState(source)})`,
    {
      hint: "switch WAL on the primary while the backup waits (`SELECT pg_switch_wal()` there), or set archive_timeout on the primary shorter than backup.archiveTimeout; the segment must reach this repository through the primary's archive_command or, with archive_mode = always on the standby, through the standby's",
    },
  );
}

// pg_stat_archiver in one line, for the message when archiving stalls.
async function archiverState(source: Source): Promise<string> {
  const client = pgClient(source.clientConfig());
  try {
    await client.connect();
    const { rows } = await client.query<{ archived: string; failed: string; last_failed: string | null }>(
      'select archived_count::text as archived, failed_count::text as failed, last_failed_wal as last_failed from pg_stat_archiver',
    );
    const r = rows[0]!;
    return `pg_stat_archiver: ${r.archived} archived, ${r.failed} failed${r.last_failed ? `, last failed ${r.last_failed}` : ''}`;
  } catch (error) {
    return `pg_stat_archiver unreadable: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

// A backup taken with -R or from a standby carries files that would make a restore follow a primary.
async function findHazards(dataDir: string): Promise<string[]> {
  const hazards: string[] = [];
  const exists = async (f: string): Promise<string | null> => readFile(join(dataDir, f), 'utf8').catch(() => null);
  if ((await exists('standby.signal')) !== null) hazards.push('standby.signal');
  const auto = (await exists('postgresql.auto.conf')) ?? '';
  for (const line of auto.split('\n'))
    if (/^\s*primary_conninfo\s*=\s*'.+'/.test(line)) hazards.push('primary_conninfo in postgresql.auto.conf');
  return hazards;
}
