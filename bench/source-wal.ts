// The bench's source as the physical sides use it: archiving into a round's repository, writing WAL after a backup,
// and the history that gives a url source's drill exact expectations (and markers) after the backup.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Cluster } from '../src/env/cluster.ts';
import { tool, type PgBin } from '../src/env/binaries.ts';
import { run } from '../src/core/exec.ts';
import { captureExpectations, type Expectations } from '../src/expectations/capture.ts';
import { pinSession } from '../src/expectations/session.ts';
import { confValue } from '../src/restore/recovery-config.ts';
import { archiveCommand, prepareArchiveDir } from '../src/source/archive-command.ts';
import { HISTORY_FILE, type SourceHistory } from '../src/repository/history.ts';
import { MANIFEST_FILE, type Manifest } from '../src/repository/manifest.ts';
import { DATABASE } from './raw.ts';

/** What the source archives with until a round points it at a repository: nothing (setup's WAL is not wanted). */
const DISCARD = '/bin/true';
const ARCHIVE_TIMEOUT_MS = 120_000;

/** The source's settings for the physical sections (set before its first start: archive_mode needs a restart). */
export function physicalSourceSettings(command = DISCARD): Record<string, string> {
  return {
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: confValue(command),
    max_wal_senders: '10',
    // PITR markers record their commit time.
    track_commit_timestamp: 'on',
    // No background writes on the source while a side restores (the machine is shared by both).
    autovacuum: 'off',
  };
}

/** A fresh repository for a side: its WAL directory owned by the cluster user, archive_command pointed at it. */
export async function archiveInto(source: Cluster, repo: string, system: string): Promise<void> {
  await prepareArchiveDir(repo, system, source.runtime);
  await archiveWith(source, archiveCommand(repo, system));
}

/** Point the source's archive_command at `command` (reloaded, not restarted). */
export async function archiveWith(source: Cluster, command: string): Promise<void> {
  await source.writeSettings(physicalSourceSettings(command));
  await withClient(source, 'postgres', (client) => client.query('select pg_reload_conf()'));
  await new Promise((r) => setTimeout(r, 500)); // the archiver reloads on its next wake-up
}

/** The source after the transactions written after a backup: everything archived up to `segment`. */
export interface EndState {
  expectations: Expectations;
  lsn: string;
  time: string;
  segment: string;
}

/** Untimed, identical for every side: transactions after the backup, archived to their last segment; the end state counted. */
export async function writeAfterBackup(bin: PgBin, source: Cluster, transactions: number): Promise<EndState> {
  await run(tool(bin, 'pgbench'), ['-n', '-t', String(transactions), '-c', '2', source.conninfo(DATABASE)]);
  return withClient(source, DATABASE, async (client) => {
    await client.query('CHECKPOINT');
    const end = await switchAndWait(client);
    await pinSession(client);
    const expectations = await snapshotExpectations(client);
    await run('sync', []); // the restore starts with no dirty pages of the workload
    return { expectations, ...end };
  });
}

/** Close the current WAL segment and wait until the archiver reports it archived (whatever archive_command is). */
export async function switchAndWait(client: pg.Client): Promise<{ lsn: string; time: string; segment: string }> {
  const { rows } = await client.query<{ lsn: string; time: string }>(
    `select pg_current_wal_insert_lsn()::text as lsn, to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as time`,
  );
  const segment = (await client.query<{ s: string }>('select pg_walfile_name(pg_switch_wal()) as s')).rows[0]!.s;
  const deadline = Date.now() + ARCHIVE_TIMEOUT_MS;
  // Segment names of one timeline sort in WAL order; .backup and .history files are not segments.
  const archived = `select coalesce(last_archived_wal = $1 or (length(last_archived_wal) = 24 and last_archived_wal > $1), false) as done from pg_stat_archiver`;
  while (!(await client.query<{ done: boolean }>(archived, [segment])).rows[0]!.done) {
    if (Date.now() > deadline)
      throw new Error(
        `WAL segment ${segment} was not archived within ${ARCHIVE_TIMEOUT_MS / 1000} s (see pg_stat_archiver on the source)`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  return { lsn: rows[0]!.lsn, time: rows[0]!.time, segment };
}

/** Row counts and fingerprints of every table, in one repeatable-read snapshot. */
export async function snapshotExpectations(client: pg.Client): Promise<Expectations> {
  await client.query('begin isolation level repeatable read read only');
  try {
    return await captureExpectations(client, { fingerprints: true, largeObjectContent: true });
  } finally {
    await client.query('commit');
  }
}

/**
 * A url source records no history: the bench puts its own into the backup as a managed source's is (the file, the
 * record naming it, the manifest covering both), so the drill trusts it and checks exact data at its targets.
 */
export async function attachHistory(repo: string, backupId: string, history: SourceHistory): Promise<void> {
  const dir = join(repo, 'backups', backupId);
  const historyText = `${JSON.stringify(history)}\n`;
  await writeFile(join(dir, HISTORY_FILE), historyText, { mode: 0o600 });
  const record = JSON.parse(await readFile(join(dir, 'backup.json'), 'utf8')) as { historyFile: string | null };
  record.historyFile = HISTORY_FILE;
  const recordText = `${JSON.stringify(record, null, 2)}\n`;
  await writeFile(join(dir, 'backup.json'), recordText);
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  const entry = (path: string, text: string) => ({
    path,
    size: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
  });
  manifest.files = [
    ...manifest.files.filter((f) => f.path !== 'backup.json' && f.path !== HISTORY_FILE),
    entry('backup.json', recordText),
    entry(HISTORY_FILE, historyText),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Run `work` with a connection to `database` on the source, closed afterwards. */
export async function withClient<T>(
  source: Cluster,
  database: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await source.connect(database);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
