// Durable file operations: fsync files and directories, write atomically.
import { open, rename, writeFile, readdir } from 'node:fs/promises';
import { join, dirname, basename } from 'node:path';
import { mapLimit } from '../core/parallel.ts';
import { randomBytes } from 'node:crypto';

/** fsync a file or a directory by path. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync every file under `dir` (many at once: the device queues them), then every directory, deepest first; `synced` subtrees' files are skipped. */
export async function fsyncTree(dir: string, synced: readonly string[] = []): Promise<void> {
  const inSynced = (path: string): boolean => synced.some((s) => path.startsWith(`${s}/`));
  const entries = (await readdir(dir, { withFileTypes: true, recursive: true })).map((e) => ({
    path: join(e.parentPath, e.name),
    file: e.isFile(),
    directory: e.isDirectory(),
  }));
  const files = entries.filter((e) => e.file && !inSynced(e.path)).map((e) => e.path);
  const dirs = entries
    .filter((e) => e.directory && !inSynced(e.path))
    .map((e) => e.path)
    .sort((a, b) => b.length - a.length);
  await mapLimit(files, 16, fsyncPath);
  await mapLimit(dirs, 16, fsyncPath);
  await fsyncPath(dir);
}

/** Write a file atomically: temp file in the same directory, fsync, rename, fsync the directory. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(temp, data, { mode });
  await fsyncPath(temp);
  await rename(temp, file);
  await fsyncPath(dirname(file));
}
