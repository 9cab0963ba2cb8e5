// The built-in snapshot drivers (btrfs, copy) and the user's own commands.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { copyLiveTree } from './live-copy.ts';
import { run } from '../../core/exec.ts';
import { RecoverableError, ToolError } from '../../core/errors.ts';
import type { SnapshotSpec } from '../../scenario/types.ts';
import type { SnapshotDetails } from '../../repository/backup-record.ts';
import type { SnapshotDriver, SnapshotRestoreInput, SnapshotTakeInput } from './driver.ts';
import { runUserCommand, UserCommandError } from '../external/user-command.ts';

/** A piece of a snapshot backup that is not there to restore (a tablespace's snapshot, say). */
export class SnapshotMissingError extends RecoverableError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('snapshot-missing', message, options);
  }
}

// What a file-level copy of PGDATA leaves out (PostgreSQL's own list for backups): contents only, the directories stay.
const EMPTIED = [
  'pg_wal',
  'pg_replslot',
  'pg_stat_tmp',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_subtrans',
];
const DROPPED = ['postmaster.pid', 'postmaster.opts'];

// Left out of a live copy's top level too, as pg_basebackup leaves them out: temporary files the server renames into
// place, and a label, map or manifest that belongs to an earlier backup (a copy of one would mislead recovery).
const NOT_COPIED = [
  'postgresql.auto.conf.tmp',
  'current_logfiles.tmp',
  'backup_label',
  'tablespace_map',
  'backup_manifest',
  'backup_manifest.tmp',
];

/**
 * Whether a path inside a tablespace belongs in a backup: temporary files never do, nor relcache init files (and their
 * temporary versions), which the server rebuilds at start.
 */
export function keepInTablespaceBackup(relativePath: string): boolean {
  const name = relativePath.split(sep).at(-1)!;
  return !name.startsWith('pgsql_tmp') && !name.startsWith('pg_internal.init');
}

/** Whether a path inside PGDATA belongs in a backup copied from the running server. */
export function keepInBackup(relativePath: string): boolean {
  if (!keepInTablespaceBackup(relativePath)) return false;
  const parts = relativePath.split(sep);
  if (parts.length === 1 && (DROPPED.includes(parts[0]!) || NOT_COPIED.includes(parts[0]!))) return false;
  if (
    parts.length >= 2 &&
    EMPTIED.includes(parts[0]!) &&
    !(parts[0] === 'pg_wal' && parts[1] === 'archive_status' && parts.length === 2)
  )
    return false;
  return true;
}

/** Remove from a materialised PGDATA what a backup must not carry (a snapshot holds the live pg_wal, for one). */
export async function scrubDataDir(dataDir: string): Promise<void> {
  for (const name of DROPPED) await rm(join(dataDir, name), { force: true });
  for (const dir of EMPTIED) {
    const full = join(dataDir, dir);
    if (!existsSync(full)) continue;
    for (const entry of await readdir(full))
      if (!(dir === 'pg_wal' && entry === 'archive_status'))
        await rm(join(full, entry), { recursive: true, force: true });
  }
}

/** copy: a file copy taken between start and stop, for filesystems without snapshots; stored in the repository. */
export const copyDriver: SnapshotDriver = {
  kind: 'copy',
  async take(input: SnapshotTakeInput) {
    await copyLiveTree(input.pgdata, join(input.stagedDir, 'data'), keepInBackup);
    if (Object.keys(input.tablespaces).length > 0)
      await mkdir(join(input.stagedDir, 'tablespaces'), { recursive: true });
    for (const [oid, location] of Object.entries(input.tablespaces))
      await copyLiveTree(location, join(input.stagedDir, 'tablespaces', oid), keepInTablespaceBackup);
    return {};
  },
  async restore(input: SnapshotRestoreInput) {
    const data = join(input.backupDir, 'data');
    if (!existsSync(data))
      throw new SnapshotMissingError(`the copy of PGDATA is missing from backup ${input.backupDir}`);
    await input.runtime.system('cp', ['-a', data, input.dataTarget], { label: 'cp (snapshot)' });
    for (const [oid, target] of Object.entries(input.tablespaceTargets)) {
      const source = join(input.backupDir, 'tablespaces', oid);
      if (!existsSync(source))
        throw new SnapshotMissingError(`the snapshot of tablespace ${oid} is missing (${source})`);
      await input.runtime.system('cp', ['-a', source, target], { label: 'cp (tablespace snapshot)' });
    }
  },
};

/** btrfs: read-only subvolume snapshots of PGDATA and every tablespace, kept under <repository>/snapshots (same filesystem). */
export const btrfsDriver: SnapshotDriver = {
  kind: 'btrfs',
  async take(input: SnapshotTakeInput) {
    const dir = join(input.repository, 'snapshots', input.name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const subvolumes: Record<string, string> = {};
    const volumes: Array<[string, string]> = [['data', input.pgdata], ...Object.entries(input.tablespaces)];
    try {
      for (const [key, path] of volumes) {
        const target = join(dir, key);
        await run('btrfs', ['subvolume', 'snapshot', '-r', path, target], {
          label: 'btrfs subvolume snapshot',
          timeoutMs: input.timeoutMs,
        });
        subvolumes[key] = target;
      }
    } catch (error) {
      for (const path of Object.values(subvolumes))
        await run('btrfs', ['subvolume', 'delete', path], { label: 'btrfs subvolume delete', cleanup: true }).catch(
          () => undefined,
        );
      await rm(dir, { recursive: true, force: true });
      if (
        error instanceof ToolError &&
        /not a subvolume|Not a Btrfs|Invalid argument|cross-device/i.test(error.stderr)
      ) {
        throw new RecoverableError('snapshot-failed', `btrfs could not snapshot: ${error.stderrTail.trim()}`, {
          hint: 'PGDATA and every tablespace must each be a btrfs subvolume on the same filesystem as the repository',
          cause: error,
        });
      }
      throw error;
    }
    return { subvolumes };
  },
  async restore(input: SnapshotRestoreInput) {
    const subvolumes = input.details.subvolumes ?? {};
    const clone = async (key: string, target: string): Promise<void> => {
      const snap = subvolumes[key];
      if (!snap || !existsSync(snap))
        throw new SnapshotMissingError(
          `the btrfs snapshot of ${key === 'data' ? 'PGDATA' : `tablespace ${key}`} is missing (${snap ?? 'not recorded'})`,
        );
      try {
        await run('btrfs', ['subvolume', 'snapshot', snap, target], { label: 'btrfs subvolume snapshot' });
      } catch {
        // Another filesystem (or no btrfs tools where the restore runs): a full copy is still a writable clone.
        await input.runtime.system('cp', ['-a', '--reflink=auto', snap, target], { label: 'cp (btrfs snapshot)' });
      }
    };
    await clone('data', input.dataTarget);
    for (const [oid, target] of Object.entries(input.tablespaceTargets)) await clone(oid, target);
  },
};

// The user's commands get their inputs as environment variables only, never spliced into the string.
function commandDriver(spec: Extract<SnapshotSpec, { command: string }>): SnapshotDriver {
  return {
    kind: 'command',
    async take(input: SnapshotTakeInput) {
      await run('sh', ['-c', spec.command], {
        env: {
          RECOVERABLE_SNAPSHOT_NAME: input.name,
          RECOVERABLE_PGDATA: input.pgdata,
          RECOVERABLE_SNAPSHOT_START_LSN: input.startLsn,
          RECOVERABLE_SNAPSHOT_START_WAL_FILE: input.startWalFile,
          RECOVERABLE_TABLESPACES: Object.entries(input.tablespaces)
            .map(([oid, path]) => `${oid}=${path}`)
            .join(' '),
        },
        timeoutMs: input.timeoutMs,
        label: 'snapshot command',
      });
      return {};
    },
    async restore(input: SnapshotRestoreInput) {
      try {
        await runUserCommand(
          'snapshot restore command',
          spec.restoreCommand,
          {
            RECOVERABLE_SNAPSHOT_NAME: input.details.name,
            RECOVERABLE_RESTORE_PATH: input.dataTarget,
            RECOVERABLE_RESTORE_TABLESPACES: Object.entries(input.tablespaceTargets)
              .map(([oid, path]) => `${oid}=${path}`)
              .join(' '),
          },
          input.timeoutMs,
        );
      } catch (error) {
        if (error instanceof UserCommandError)
          throw new SnapshotMissingError(`the snapshot restore command failed: ${error.message}`, { cause: error });
        throw error;
      }
      if (!existsSync(join(input.dataTarget, 'PG_VERSION')))
        throw new SnapshotMissingError(`the snapshot restore command left no PGDATA at ${input.dataTarget}`);
      for (const [oid, target] of Object.entries(input.tablespaceTargets)) {
        if (!existsSync(target))
          throw new SnapshotMissingError(
            `the snapshot restore command left no clone of tablespace ${oid} at ${target}`,
          );
      }
    },
  };
}

/** The driver a scenario's `backup.snapshot` names. */
export function snapshotDriver(spec: SnapshotSpec): SnapshotDriver {
  if ('driver' in spec) return spec.driver === 'btrfs' ? btrfsDriver : copyDriver;
  return commandDriver(spec);
}

/** The driver a stored backup was taken with: restores read the record (its restore command), not today's scenario. */
export function restoringDriver(details: SnapshotDetails): SnapshotDriver {
  if (details.driver === 'btrfs') return btrfsDriver;
  if (details.driver === 'copy') return copyDriver;
  if (!details.restoreCommand)
    throw new SnapshotMissingError(
      `snapshot ${details.name} was taken by a command but no restoreCommand was recorded`,
    );
  return commandDriver({ command: '', restoreCommand: details.restoreCommand, timeoutMs: 0, allowStandby: false });
}
