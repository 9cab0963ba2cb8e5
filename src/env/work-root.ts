// Where disposable clusters, containers' work directories and copies live: RECOVERABLE_WORK_DIR, else the OS temp dir.
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { EnvironmentError } from '../core/errors.ts';

/** The configured work root (not yet checked to exist). */
export function configuredWorkRoot(): string {
  return process.env.RECOVERABLE_WORK_DIR || tmpdir();
}

/**
 * The work root, created when missing (as `mkdir -p` would: a fresh container or CI job names one that is not there
 * yet). Passable by others (0755): clusters may run as another user, and each directory made inside is private.
 */
export async function ensureWorkRoot(root: string = configuredWorkRoot()): Promise<string> {
  try {
    await mkdir(root, { recursive: true, mode: 0o755 });
  } catch (cause) {
    throw new EnvironmentError(
      'work-dir-unusable',
      `cannot create the work directory ${root}: ${(cause as Error).message}`,
      {
        cause,
        hint: 'set RECOVERABLE_WORK_DIR to a directory this user can write (disposable clusters are made inside it)',
      },
    );
  }
  return root;
}
