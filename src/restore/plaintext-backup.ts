// The one place a restore gets at a backup's bytes: the repository's own directory, or for an encrypted backup a
// plaintext copy decrypted (streamed, every chunk authenticated) into a private work directory, removed afterwards.
import { chmod, mkdir, mkdtemp, readdir, readlink, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { Logger } from '../core/log.ts';
import { interruption } from '../core/interrupt.ts';
import { mapLimit } from '../core/parallel.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import { isPhysical, type BackupRecord } from '../repository/backup-record.ts';
import { cipherName, keyFor, PLAINTEXT_FILES } from '../repository/cipher/backup-files.ts';
import { CiphertextDamagedError, KeyMismatchError } from '../repository/cipher/errors.ts';
import { decryptFile } from '../repository/cipher/files.ts';
import { fail, pass } from '../run/check.ts';
import type { CheckResult } from '../run/result.ts';

/** A backup as a restore reads it; `dispose` removes a decrypted copy (and does nothing otherwise). */
export interface PlaintextBackup<R extends BackupRecord = BackupRecord> {
  /** The backup with `dir` pointing at plaintext files (its record as given, so a narrowed one stays narrowed). */
  backup: StoredBackup<R>;
  /** Directories a restore environment must see besides the repository (the decrypted copy). */
  mounts: Array<{ path: string; readOnly: boolean }>;
  /** The `decrypt` check of an encrypted backup (failed: some file did not authenticate, nothing may be restored); null when not encrypted. */
  check: CheckResult | null;
  dispose(): Promise<void>;
}

/** The work directory for disposable copies: RECOVERABLE_WORK_DIR, else the system's temporary directory. */
export function workDirectory(): string {
  return process.env.RECOVERABLE_WORK_DIR ?? tmpdir();
}

/** Decrypt `backup` into a private directory when it is encrypted; otherwise hand back the repository's own, uncopied. */
export async function openPlaintextBackup<R extends BackupRecord>(
  repo: LocalRepository,
  backup: StoredBackup<R>,
  log: Logger,
): Promise<PlaintextBackup<R>> {
  if (!backup.record.encryption) return { backup, mounts: [], check: null, dispose: async () => {} };
  // The wrong key, or none, stops here before anything is decrypted (exit 3 / 2).
  const key = keyFor(backup.record, repo.key);
  const started = performance.now();
  const dir = await mkdtemp(join(workDirectory(), 'recoverable-plaintext-'));
  await chmod(dir, 0o700);
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const unregister = interruption.onInterrupt(remove);
  const dispose = async (): Promise<void> => {
    unregister();
    await remove();
  };
  try {
    log.info(`decrypting backup ${backup.record.id} (key ${key.id}) into ${dir}`);
    const entries = await readdir(backup.dir, { recursive: true, withFileTypes: true });
    const rel = (e: { parentPath: string; name: string }): string =>
      relative(backup.dir, join(e.parentPath, e.name)).split(sep).join('/');
    // Directories first (parents sort before children), with their modes; symbolic links as they are.
    for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => rel(a).localeCompare(rel(b)))) {
      const path = join(dir, rel(e));
      await mkdir(path, { recursive: true });
      await chmod(path, (await stat(join(backup.dir, rel(e)))).mode & 0o7777);
    }
    for (const e of entries.filter((x) => x.isSymbolicLink()))
      await symlink(await readlink(join(backup.dir, rel(e))), join(dir, rel(e)));
    // A basebackup's tablespace links point where pg_basebackup wrote them: here, at the decrypted copies (pg_verifybackup follows them).
    const { record } = backup;
    if (isPhysical(record))
      for (const t of record.physical.tablespaces) {
        const link = join(dir, record.physical.dataDir, 'pg_tblspc', t.oid);
        await rm(link, { force: true });
        await symlink(join(dir, t.path), link);
      }
    const files = entries
      .filter((e) => e.isFile())
      .map(rel)
      .filter((p) => !PLAINTEXT_FILES.has(p))
      .sort();
    const damaged: string[] = [];
    let bytes = 0;
    await mapLimit(files, 2, async (path) => {
      const source = join(backup.dir, path);
      const facts = await stat(source);
      try {
        await decryptFile(source, join(dir, path), key, cipherName(backup.record.id, path), path, facts.mode & 0o777);
        bytes += facts.size;
      } catch (error) {
        // The record's key matched, so a file under another key was replaced: damage named like any other.
        if (error instanceof KeyMismatchError)
          damaged.push(`${path}: encrypted with key ${error.fileKeyId}, not the backup's key ${error.keyId}`);
        else if (error instanceof CiphertextDamagedError) damaged.push(error.message);
        else throw error;
      }
    });
    const ms = Math.round(performance.now() - started);
    const check = damaged.length
      ? fail(
          'decrypt',
          'decrypt',
          'exact',
          `${files.length} files authenticate with key ${key.id}`,
          damaged.sort(),
          `backup ${backup.record.id}: ${damaged.length} encrypted file(s) do not authenticate, nothing was restored: ${damaged.slice(0, 3).join('; ')}${damaged.length > 3 ? ` (+${damaged.length - 3} more)` : ''}`,
          ms,
        )
      : pass(
          'decrypt',
          'decrypt',
          'exact',
          `${files.length} files authenticate with key ${key.id}`,
          `${files.length} files authenticated`,
          `decrypted ${files.length} files (${bytes} bytes) of backup ${backup.record.id} with key ${key.id}: every chunk authenticated`,
          ms,
        );
    return { backup: { ...backup, dir }, mounts: [{ path: dir, readOnly: true }], check, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
