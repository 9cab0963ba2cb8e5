// archive_command / restore_command strings that call this same Recoverable for the repository.
import { fileURLToPath } from 'node:url';
import { extname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Runtime } from '../env/runtime.ts';
import { join, dirname } from 'node:path';
import { assertTraversable } from '../env/cluster.ts';

// The CLI entry beside this module: src/cli/main.ts when run from source, dist/cli/main.js when built.
const here = fileURLToPath(import.meta.url);
const CLI_ENTRY = fileURLToPath(new URL(`../cli/main${extname(here)}`, import.meta.url));

/** Quote for /bin/sh, and double % so the server does not expand it. */
function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`).replace(/%/g, '%%')}'`;
}

/** The command line PostgreSQL runs per segment to archive into `repository` (encrypting with the key in `keyFile`). */
export function archiveCommand(repository: string, system: string, keyFile?: string): string {
  const key = keyFile ? ` --key-file ${shellWord(keyFile)}` : '';
  return `${shellWord(process.execPath)} ${shellWord(CLI_ENTRY)} archive-wal %p %f --repository ${shellWord(repository)} --system ${system}${key}`;
}

/** restore_command for a drill's own archive directory: a plain cp (exits non-zero for a missing file, .history too). */
export function copyRestoreCommand(archiveDir: string): string {
  return `cp '${archiveDir.replace(/'/g, `'\\''`).replace(/%/g, '%%')}/%f' '%p'`;
}

/** The archive directory exists and, when clusters run as another user, belongs to that user. */
export async function prepareArchiveDir(repository: string, system: string, runtime: Runtime): Promise<void> {
  // Parents are created passable (0755): the archiver runs as the cluster user and must reach wal/<system>.
  await mkdir(repository, { recursive: true, mode: 0o755 });
  await mkdir(join(repository, 'wal'), { recursive: true, mode: 0o755 });
  await mkdir(join(repository, 'wal', system), { recursive: true, mode: 0o700 });
  if (runtime.kind === 'local' && runtime.clusterUser)
    await assertTraversable(dirname(repository), runtime.clusterUser);
  await runtime.adopt(join(repository, 'wal', system));
}

/**
 * archive_command for a server in a container (no Node there): copy under a temporary name, then rename; a file
 * already archived must have the same SHA-256, else the command fails (never overwrites).
 */
export function containerArchiveCommand(repository: string, system: string): string {
  const dir = join(repository, 'wal', system).replace(/'/g, `'\\''`).replace(/%/g, '%%');
  return `if [ -f '${dir}/%f' ]; then [ "$(sha256sum < '%p')" = "$(sha256sum < '${dir}/%f')" ]; else cp '%p' '${dir}/.%f.tmp' && mv '${dir}/.%f.tmp' '${dir}/%f'; fi`;
}
