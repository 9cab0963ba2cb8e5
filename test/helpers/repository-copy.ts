// A copy of a test's repository for one fault, so faults never see each other, and its one backup's directory.
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Copy `<dir>/repo` to `<dir>/repo-<name>`; return the copy and the directory of its (single) backup. */
export async function cloneRepository(dir: string, name: string): Promise<{ repository: string; backup: string }> {
  const repository = join(dir, `repo-${name}`);
  await cp(join(dir, 'repo'), repository, { recursive: true });
  return { repository, backup: join(repository, 'backups', (await readdir(join(repository, 'backups')))[0]!) };
}
