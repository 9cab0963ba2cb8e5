// A copy of the clean repository for one fault: the clean backup is reused by every fault and never changed.
import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../core/exec.ts';
import { LocalRepository, type StoredBackup } from '../../repository/local-repository.ts';
import { readHistory, type SourceHistory } from '../../repository/history.ts';
import {
  buildManifest,
  keepOutsideBackupManifest,
  MANIFEST_FILE,
  MANIFEST_SIGNATURE_FILE,
  type Delegation,
  type Manifest,
} from '../../repository/manifest.ts';
import { signBytes } from '../../evidence/sign.ts';
import type { SigningKey } from '../../evidence/keys.ts';
import { WalArchive } from '../../repository/wal-archive.ts';
import { RecoverableError } from '../../core/errors.ts';
import { isPhysical, type DumpDetails, type PhysicalDetails } from '../../repository/backup-record.ts';

/** One backup in a repository, with what its faults reach for: its files, its WAL archive, its history. */
export interface BackupCopy {
  repository: string;
  backup: StoredBackup;
  /** The WAL archive of the backup's cluster (physical backups), else null. */
  walDir: string | null;
  /** Markers and end state recorded after a managed physical backup, else null. */
  history: SourceHistory | null;
  /** The key the backup was signed with: a fault "in the backup as it was written" is signed again with it. */
  signer: SigningKey | null;
}

/** Open backup `id` of `repository`. */
export async function openBackup(
  repository: string,
  id: string,
  signer: SigningKey | null = null,
): Promise<BackupCopy> {
  const repo = new LocalRepository(repository);
  const backup = (await repo.list()).find((b) => b.record.id === id);
  if (!backup) throw new RecoverableError('fault-not-injectable', `no backup ${id} in ${repository}`);
  const system = backup.record.physical?.systemIdentifier;
  return {
    repository,
    backup,
    walDir: system ? WalArchive.forSystem(repository, system).dir : null,
    history: await readHistory(repo, backup),
    signer,
  };
}

/** The physical details of the copy's backup: a fault on a data directory cannot be injected into a dump. */
export function physicalOf(copy: BackupCopy): PhysicalDetails {
  const { record } = copy.backup;
  if (!isPhysical(record))
    throw new RecoverableError('fault-not-injectable', `backup ${record.id} is a dump: it has no data directory`);
  return record.physical;
}

/** The dump details of the copy's backup: a fault on dump files cannot be injected into a physical backup. */
export function dumpOf(copy: BackupCopy): DumpDetails {
  const { record } = copy.backup;
  if (record.method !== 'dump')
    throw new RecoverableError('fault-not-injectable', `backup ${record.id} is a ${record.method} backup, not a dump`);
  return record.dump;
}

/** Copy the whole repository at `from` to `to` (owners and modes kept: a restored server reads the archive as its own user). */
export async function copyRepository(
  from: string,
  to: string,
  id: string,
  signer: SigningKey | null = null,
): Promise<BackupCopy> {
  await run('cp', ['-a', '--reflink=auto', from, to], { label: 'cp (repository copy)' });
  return openBackup(to, id, signer);
}

/**
 * Write the repository manifest again over the backup as it now is, keeping the manifest's delegations, and sign it
 * again with the backup's key (`sign: false` leaves the old signature): the fault is then in the backup as it was
 * written, not an alteration the manifest or signature check would catch.
 */
export async function resealManifest(copy: BackupCopy, options: { sign?: boolean } = {}): Promise<void> {
  const dir = copy.backup.dir;
  const previous = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  // The only delegation there is: a basebackup's data/ to its backup_manifest; pg_wal/ and what pg_verifybackup skips kept in ours.
  const delegations: Delegation[] = (previous.delegated ?? []).map((d) => ({ ...d, keep: keepOutsideBackupManifest }));
  const text = `${JSON.stringify(await buildManifest(dir, delegations), null, 2)}\n`;
  await writeFile(join(dir, MANIFEST_FILE), text);
  if (copy.signer && options.sign !== false)
    await writeFile(
      join(dir, MANIFEST_SIGNATURE_FILE),
      `${JSON.stringify(signBytes(Buffer.from(text), copy.signer, MANIFEST_FILE), null, 2)}\n`,
    );
}

/** The largest file under `dir` whose name passes `accept`. */
export async function largestFile(dir: string, accept: (name: string) => boolean): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  let best: { path: string; size: number } | null = null;
  for (const entry of entries) {
    if (!entry.isFile() || !accept(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const size = (await stat(path)).size;
    if (!best || size > best.size) best = { path, size };
  }
  if (!best) throw new RecoverableError('fault-not-injectable', `no file to damage under ${dir}`);
  return best.path;
}

/** Overwrite `bytes.length` bytes of `file` at `offset` (the default: the middle) with `bytes` xor what was there. */
export async function flipBytes(file: string, bytes: Buffer, offset?: number): Promise<number> {
  const handle = await open(file, 'r+');
  try {
    const at = offset ?? Math.floor((await handle.stat()).size / 2);
    const old = Buffer.alloc(bytes.length);
    await handle.read(old, 0, bytes.length, at);
    for (let i = 0; i < bytes.length; i++) old[i] = old[i]! ^ bytes[i]!;
    await handle.write(old, 0, bytes.length, at);
    return at;
  } finally {
    await handle.close();
  }
}
