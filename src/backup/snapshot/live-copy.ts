// A file copy of a directory the server keeps writing (PGDATA or a tablespace, between backup start and stop).
// Files come and go while it runs: a relation dropped, a relcache init file rewritten, a temporary file removed. A file
// that vanishes between the listing and its copy is left out, as pg_basebackup leaves it out: replaying the WAL from
// the backup's start recreates whatever the restored cluster still needs. Anything else that fails stops the copy.
import { copyFile, lstat, mkdir, readdir, readlink, symlink, utimes } from 'node:fs/promises';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';

/** Whether an error says this source path is no longer there (the server removed it during the copy), and it is not. */
export function vanished(error: unknown, source: string): boolean {
  const failure = error as NodeJS.ErrnoException | undefined;
  if (failure?.code !== 'ENOENT' || failure.path !== source) return false;
  // copyFile names the source for a missing target directory too: only a source that is really gone counts.
  try {
    lstatSync(source);
    return false;
  } catch {
    return true;
  }
}

/**
 * Copy `from` to `to` (which must not exist), keeping modes, timestamps and symlinks as written. `keep` sees each path
 * relative to `from` before it is read. Returns how many entries vanished during the copy.
 */
export async function copyLiveTree(from: string, to: string, keep: (relative: string) => boolean): Promise<number> {
  let gone = 0;
  const copyDir = async (source: string, target: string, relative: string): Promise<void> => {
    let entries: string[];
    try {
      entries = await readdir(source);
    } catch (error) {
      if (vanished(error, source) && relative !== '') {
        gone++;
        return;
      }
      throw error;
    }
    const stat = await lstat(source);
    await mkdir(target, { mode: stat.mode & 0o7777 });
    for (const name of entries) {
      const rel = relative === '' ? name : join(relative, name);
      if (!keep(rel)) continue;
      await copyEntry(join(source, name), join(target, name), rel);
    }
    await utimes(target, stat.atime, stat.mtime);
  };
  const copyEntry = async (source: string, target: string, relative: string): Promise<void> => {
    try {
      const stat = await lstat(source);
      if (stat.isDirectory()) return await copyDir(source, target, relative);
      if (stat.isSymbolicLink()) return await symlink(await readlink(source), target);
      if (!stat.isFile()) return; // sockets and FIFOs have no place in a backup
      await copyFile(source, target); // keeps the mode
      await utimes(target, stat.atime, stat.mtime);
    } catch (error) {
      if (!vanished(error, source)) throw error;
      gone++;
    }
  };
  await copyDir(from, to, '');
  return gone;
}
