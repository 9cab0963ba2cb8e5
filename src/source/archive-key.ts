// The key file a managed source's archive_command reads: a private copy its server's OS user may read, removed after.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { privateTempDir } from '../env/cluster.ts';
import type { Runtime } from '../env/runtime.ts';
import type { RepositoryKey } from '../repository/cipher/key.ts';

/** A key file for archive_command and how to remove it. */
export interface ArchiveKeyFile {
  path: string;
  dispose(): Promise<void>;
}

/** Write `key` (hex) into a private directory owned by the runtime's cluster user: the archiver runs as that user. */
export async function archiveKeyFile(key: RepositoryKey, runtime: Runtime): Promise<ArchiveKeyFile> {
  const dir = await privateTempDir('archive-key', runtime);
  const path = join(dir, 'repository.key');
  await writeFile(path, `${key.bytes.toString('hex')}\n`, { mode: 0o600 });
  await runtime.adopt(path);
  return { path, dispose: () => rm(dir, { recursive: true, force: true }) };
}
