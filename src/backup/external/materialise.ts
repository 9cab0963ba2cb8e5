// An external backup brought back by the user's tool into the restore's private directory, then checked before replay:
// the tool succeeded, the data directory is the source's, its tablespaces stayed inside, and it predates the markers.
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, realpath, rm } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import type { Cluster } from '../../env/cluster.ts';
import type { ExternalBackupRecord, ExternalDetails } from '../../repository/backup-record.ts';
import type { CheckResult } from '../../run/result.ts';
import { fail, pass } from '../../run/check.ts';
import { lsnToBigInt } from '../../repository/wal-names.ts';
import { scrubDataDir } from '../snapshot/drivers.ts';
import { runUserCommand, UserCommandError } from './user-command.ts';

/** What the materialise step found: one check per property, and why the restore cannot go on (null: it can). */
export interface ExternalMaterialised {
  checks: CheckResult[];
  failure: string | null;
}

/** The environment variables the user's restore command receives. */
export function restoreCommandEnv(
  record: ExternalBackupRecord,
  cluster: Cluster,
  targetLabel: string,
): Record<string, string> {
  return {
    RECOVERABLE_PGDATA: cluster.dataDir,
    // A private directory beside PGDATA, for tablespaces (pgbackrest --tablespace-map-all, barman --tablespace).
    RECOVERABLE_RESTORE_DIR: cluster.dir,
    RECOVERABLE_PG_MAJOR: String(record.source.major),
    RECOVERABLE_SYSTEM_IDENTIFIER: record.physical.systemIdentifier,
    RECOVERABLE_TARGET: targetLabel,
    RECOVERABLE_DRILL_ID: record.id,
  };
}

/**
 * The restored server's restore_command for another tool's archive: restoreWal with RECOVERABLE_PGDATA exported, so a
 * tool that resolves %p against its configured data directory (pgBackRest's pg1-path) is pointed at the restore's.
 */
export function externalWalCommand(restoreWal: string, dataDir: string): string {
  // Quoted for sh; a % doubled, as restore_command reads %f, %p, %r.
  return `export RECOVERABLE_PGDATA='${dataDir.replace(/'/g, `'\\''`).replace(/%/g, '%%')}'; ${restoreWal}`;
}

/** Run the user's restore command into `cluster.dataDir`, then check what it left there. */
export async function materialiseExternal(
  record: ExternalBackupRecord,
  cluster: Cluster,
  targetLabel: string,
): Promise<ExternalMaterialised> {
  const details = record.external;
  const checks: CheckResult[] = [];
  const stop = (check: CheckResult): ExternalMaterialised => ({ checks: [...checks, check], failure: check.message });
  // Step 1: an empty, private PGDATA the cluster's user owns (tools that drop privileges write as that user).
  await mkdir(cluster.dataDir, { mode: 0o700 });
  await cluster.runtime.adopt(cluster.dataDir);
  const started = performance.now();
  try {
    await runUserCommand(
      'the external restore command',
      details.restoreCommand,
      restoreCommandEnv(record, cluster, targetLabel),
      details.timeoutMs,
    );
  } catch (error) {
    if (!(error instanceof UserCommandError)) throw error;
    return stop(
      fail(
        'external',
        'external:restore-command',
        'exact',
        'exit 0',
        error.commandExitCode === undefined ? 'killed' : `exit ${error.commandExitCode}`,
        error.message,
        ms(started),
      ),
    );
  }
  const version = (await readFile(join(cluster.dataDir, 'PG_VERSION'), 'utf8').catch(() => '')).trim();
  if (version !== String(record.source.major)) {
    const left = version ? `a PostgreSQL ${version} data directory` : 'no data directory (no PG_VERSION)';
    return stop(
      fail(
        'external',
        'external:restore-command',
        'exact',
        `PostgreSQL ${record.source.major} data directory`,
        left,
        `the external restore command exited 0 but left ${left} at RECOVERABLE_PGDATA (${cluster.dataDir})`,
        ms(started),
      ),
    );
  }
  checks.push(
    pass(
      'external',
      'external:restore-command',
      'exact',
      'exit 0',
      'exit 0',
      `the external restore command filled PGDATA (PostgreSQL ${version}) in ${(ms(started) / 1000).toFixed(1)} s`,
      ms(started),
    ),
  );
  // Step 2: the source's own cluster, never another's backup.
  checks.push(await systemIdentifierCheck(cluster.dataDir, record.physical.systemIdentifier));
  if (checks.at(-1)!.status !== 'passed') return { checks, failure: checks.at(-1)!.message };
  // Step 3: tablespaces restored inside the restore's directory, never onto the source's locations.
  const outside = await tablespacesOutside(cluster.dataDir, cluster.dir);
  if (outside.length) {
    return stop(
      fail(
        'external',
        'external:tablespaces',
        'exact',
        `inside ${cluster.dir}`,
        outside,
        `tablespaces not restored inside the drill's private directory (${outside.join(', ')}): a location outside could be the source's own; map them under RECOVERABLE_RESTORE_DIR`,
        0,
      ),
    );
  }
  // Step 4: a backup that began before this drill recorded its markers (otherwise they are behind it).
  const backupStart = await backupStartCheck(cluster.dataDir, details);
  if (backupStart) {
    checks.push(backupStart);
    if (backupStart.status !== 'passed') return { checks, failure: backupStart.message };
  }
  // Step 5: WAL comes through restoreWal alone: what the tool put in pg_wal (and any link to a live one) goes.
  await scrubDataDir(cluster.dataDir);
  const wal = join(cluster.dataDir, 'pg_wal');
  if ((await lstat(wal).catch(() => null))?.isSymbolicLink()) {
    await rm(wal);
    await mkdir(join(wal, 'archive_status'), { recursive: true, mode: 0o700 });
  }
  return { checks, failure: null };
}

function ms(started: number): number {
  return Math.round(performance.now() - started);
}

/** pg_control begins with the cluster's system identifier (uint64, the machine's byte order: little-endian here). */
export function controlSystemIdentifier(control: Buffer): string | null {
  if (control.length < 8) return null;
  return control.readBigUInt64LE(0).toString();
}

async function systemIdentifierCheck(dataDir: string, expected: string): Promise<CheckResult> {
  const control = await readFile(join(dataDir, 'global', 'pg_control')).catch(() => null);
  const found = control ? controlSystemIdentifier(control) : null;
  if (found === expected)
    return pass(
      'external',
      'external:system-identifier',
      'exact',
      expected,
      found,
      `the restored data directory is the source's cluster (system identifier ${found})`,
      0,
    );
  return fail(
    'external',
    'external:system-identifier',
    'exact',
    expected,
    found ?? 'unreadable',
    found
      ? `the external restore command brought back another cluster (system identifier ${found}, the source is ${expected})`
      : 'the restored data directory has no readable global/pg_control',
    0,
  );
}

/** Each pg_tblspc entry of `dataDir` that resolves outside `restoreDir` (or not at all), as "oid → where". */
export async function tablespacesOutside(dataDir: string, restoreDir: string): Promise<string[]> {
  const dir = join(dataDir, 'pg_tblspc');
  if (!existsSync(dir)) return [];
  const root = await realpath(restoreDir);
  const outside: string[] = [];
  for (const oid of await readdir(dir)) {
    const real = await realpath(join(dir, oid)).catch(() => null);
    // A dangling link points nowhere this restore owns: the tool did not restore that tablespace here.
    if (real === null) {
      outside.push(`${oid} → (missing)`);
      continue;
    }
    const rel = relative(root, real);
    if (rel.startsWith('..') || isAbsolute(rel)) outside.push(`${oid} → ${real}`);
  }
  return outside;
}

// backup_label's START WAL LOCATION against where the source was when the drill began: null without a label
// (the recovery's own check names a missing backup_label).
async function backupStartCheck(dataDir: string, details: ExternalDetails): Promise<CheckResult | null> {
  const label = await readFile(join(dataDir, 'backup_label'), 'utf8').catch(() => null);
  const start = label ? /^START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/m.exec(label)?.[1] : undefined;
  if (!start) return null;
  const expected = `before ${details.recordedAtLsn}`;
  if (lsnToBigInt(start) < lsnToBigInt(details.recordedAtLsn)) {
    return pass(
      'external',
      'external:backup-start',
      'exact',
      expected,
      start,
      `the restored backup started at ${start}, before this drill recorded its markers (from ${details.recordedAtLsn})`,
      0,
    );
  }
  return fail(
    'external',
    'external:backup-start',
    'exact',
    expected,
    start,
    `the restored backup started at ${start}, after this drill began recording at ${details.recordedAtLsn}: the tool restored a newer backup than the markers were written for`,
    0,
  );
}
