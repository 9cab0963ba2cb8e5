// Apply a retention plan: delete each pruned backup's snapshot, then its directory (history inside), then WAL no remaining backup reads.
import { existsSync, type Dirent } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InterruptedError } from '../core/errors.ts';
import type { RunOptions, RunResult } from '../core/exec.ts';
import type { Logger } from '../core/log.ts';
import { fsyncPath } from './durable.ts';
import type { LocalRepository, StoredBackup } from './local-repository.ts';
import {
  planWalPruning,
  type ArchiveListing,
  type PrunedBackup,
  type RetentionPlan,
  type WalFile,
  type WalPlan,
} from './retention.ts';
import { WalArchive } from './wal-archive.ts';
import { isArchivableName } from './wal-names.ts';

const DELETING_PREFIX = '.deleting-';
const SNAPSHOT_DELETE_TIMEOUT_MS = 10 * 60_000;
const LEGACY_HISTORY_DIR = 'history';

/** What the planner reads from a repository, plus removals a crash left half done. */
export interface RepositoryContents {
  backups: StoredBackup[];
  archives: ArchiveListing[];
  /** `backups/.deleting-<id>` directories: removals that were interrupted. */
  interrupted: string[];
}

/** A pruned backup that stays because its snapshot could not be deleted. */
export interface PruneFailure {
  backup: PrunedBackup;
  message: string;
}

export interface PruneOutcome {
  removed: PrunedBackup[];
  failed: PruneFailure[];
  /** WAL actually removed, planned again over the backups that remain (a failed removal keeps its WAL). */
  wal: WalPlan[];
  /** Ids of interrupted removals finished now. */
  finished: string[];
}

/** What applying needs from outside: a command runner (core/exec `run`) and a logger. */
export interface PruneDeps {
  run: (file: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;
  log: Logger;
  /** Where snapshot delete commands run (where the snapshot command ran: the caller's directory). */
  cwd: string;
}

/** Read every backup record and every WAL archive (`wal/` and `wal/<system>/`) with file sizes. */
export async function readRepositoryContents(repo: LocalRepository): Promise<RepositoryContents> {
  const backups = await repo.list();
  const archives: ArchiveListing[] = [];
  const walRoot = join(repo.root, 'wal');
  const flat = await listArchive(walRoot);
  if (flat.length > 0) archives.push({ system: null, files: flat });
  for (const entry of await readdirOrEmpty(walRoot)) {
    if (entry.isDirectory() && /^\d+$/.test(entry.name))
      archives.push({ system: entry.name, files: await listArchive(join(walRoot, entry.name)) });
  }
  const interrupted = (await readdirOrEmpty(join(repo.root, 'backups')))
    .filter((e) => e.isDirectory() && e.name.startsWith(DELETING_PREFIX))
    .map((e) => e.name.slice(DELETING_PREFIX.length));
  return { backups, archives, interrupted };
}

/** Remove what `plan` says, backup by backup; a snapshot that cannot be deleted keeps its backup (and its WAL). */
export async function applyRetentionPlan(
  repo: LocalRepository,
  plan: RetentionPlan,
  contents: RepositoryContents,
  pruneOrphanWal: boolean,
  deps: PruneDeps,
): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { removed: [], failed: [], wal: [], finished: [] };
  // 1. Finish removals a crash interrupted: those backups were already out of the listing.
  for (const id of contents.interrupted) {
    await removeDirectoryAndHistory(repo, join(repo.root, 'backups', `${DELETING_PREFIX}${id}`), id);
    outcome.finished.push(id);
  }
  // 2. Each pruned backup: its snapshot first, so a failure leaves the backup listed and restorable.
  for (const backup of plan.delete) {
    const failure = await deleteSnapshot(backup, deps);
    if (failure !== null) {
      deps.log.warn(`backup ${backup.record.id} kept: ${failure}`);
      outcome.failed.push({ backup, message: failure });
      continue;
    }
    await removeBackup(repo, dirOf(contents, backup), backup.record.id);
    deps.log.info(`removed backup ${backup.record.id}`);
    outcome.removed.push(backup);
  }
  // 3. WAL, cut again over what remains: a backup that stayed still needs its segments.
  const remaining = [
    ...plan.keep.map((k) => k.record),
    ...plan.otherScenarios,
    ...outcome.failed.map((f) => f.backup.record),
  ];
  outcome.wal = planWalPruning(
    remaining,
    outcome.removed.map((b) => b.record),
    contents.archives,
    pruneOrphanWal,
  );
  for (const archive of outcome.wal) await removeWal(repo, archive);
  return outcome;
}

// Run the snapshot's delete step; null when done (or nothing to do), else why it failed.
async function deleteSnapshot(backup: PrunedBackup, deps: PruneDeps): Promise<string | null> {
  const removal = backup.snapshot;
  try {
    if (removal.kind === 'command') {
      // The name goes in the environment, never into the command text.
      await deps.run('sh', ['-c', removal.command], {
        env: { RECOVERABLE_SNAPSHOT_NAME: removal.snapshotName },
        timeoutMs: SNAPSHOT_DELETE_TIMEOUT_MS,
        cwd: deps.cwd,
        label: 'the snapshot deleteCommand',
      });
    } else if (removal.kind === 'btrfs') {
      for (const subvolume of removal.subvolumes) {
        // Gone already: a previous prune deleted it and was interrupted before the directory.
        if (!existsSync(subvolume)) continue;
        await deps.run('btrfs', ['subvolume', 'delete', subvolume], {
          timeoutMs: SNAPSHOT_DELETE_TIMEOUT_MS,
          label: 'btrfs subvolume delete',
        });
      }
    }
    return null;
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    return (error as Error).message;
  }
}

// Out of the listing first (one rename), then the bytes: a crash never leaves half a backup listed.
async function removeBackup(repo: LocalRepository, dir: string, id: string): Promise<void> {
  const doomed = join(dirname(dir), `${DELETING_PREFIX}${basename(dir)}`);
  await rename(dir, doomed);
  await fsyncPath(dirname(dir));
  await removeDirectoryAndHistory(repo, doomed, id);
}

// The history is inside the backup; backups of the older layout kept theirs in history/<id>.json, removed with them.
async function removeDirectoryAndHistory(repo: LocalRepository, doomed: string, id: string): Promise<void> {
  await rm(join(repo.root, LEGACY_HISTORY_DIR, `${id}.json`), { force: true });
  await rm(doomed, { recursive: true, force: true });
}

// Delete the archive's planned files (names validated by WalArchive), then make the directory durable.
async function removeWal(repo: LocalRepository, plan: WalPlan): Promise<void> {
  if (plan.delete.length === 0) return;
  const archive = new WalArchive(repo.root, plan.system ?? undefined);
  for (const file of plan.delete) await rm(archive.pathOf(file.name), { force: true });
  await fsyncPath(archive.dir);
}

function dirOf(contents: RepositoryContents, backup: PrunedBackup): string {
  const stored =
    contents.backups.find((b) => b.record === backup.record) ??
    contents.backups.find((b) => b.record.id === backup.record.id);
  // Cannot happen: the prune plan is built from this very listing.
  if (!stored) throw new Error(`backup ${backup.record.id} is in the plan but not in the repository listing`);
  return stored.dir;
}

// The WAL files directly in `dir` with their sizes (writers' temp files excluded).
async function listArchive(dir: string): Promise<WalFile[]> {
  const files: WalFile[] = [];
  for (const entry of await readdirOrEmpty(dir)) {
    if (!entry.isFile() || !isArchivableName(entry.name)) continue;
    files.push({ name: entry.name, size: (await stat(join(dir, entry.name))).size });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function readdirOrEmpty(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
