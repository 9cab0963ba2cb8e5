// The WAL a physical restore replays: the repository's archive, or for an encrypted backup a decrypted copy of what
// it needs (timeline histories and every file from its start segment on) in a private work directory, so the
// server's restore_command stays a plain cp and each segment is authenticated once, before recovery starts.
import { chown, chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/log.ts';
import { interruption } from '../core/interrupt.ts';
import { mapLimit } from '../core/parallel.ts';
import { clusterOsUser } from '../core/os-user.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import { WalArchive } from '../repository/wal-archive.ts';
import type { PhysicalBackupRecord } from '../repository/backup-record.ts';
import { isHistoryName } from '../repository/wal-names.ts';
import { keyFor } from '../repository/cipher/backup-files.ts';
import { CiphertextDamagedError, KeyMismatchError } from '../repository/cipher/errors.ts';
import { decryptFile } from '../repository/cipher/files.ts';
import { fail, pass } from '../run/check.ts';
import type { CheckResult } from '../run/result.ts';
import { workDirectory } from './plaintext-backup.ts';

/** The archive a restore reads; `dispose` removes a decrypted copy. */
export interface PlaintextWal {
  archive: WalArchive;
  /** Directories a restore environment must see besides the repository. */
  mounts: Array<{ path: string; readOnly: boolean }>;
  /** `wal:decrypt` of an encrypted backup's WAL (failed: some file did not authenticate and is left out); null otherwise. */
  check: CheckResult | null;
  dispose(): Promise<void>;
}

/** The files of `names` a restore of a backup starting at `startSegment` can need: histories, and everything from there on. */
export function neededWal(names: readonly string[], startSegment: string): string[] {
  const from = startSegment.slice(8);
  return names.filter((n) => isHistoryName(n) || n.slice(8, 24) >= from);
}

/** Decrypt the WAL an encrypted backup needs into a private directory; an unencrypted backup reads the repository's archive. */
export async function openPlaintextWal(
  repo: LocalRepository,
  backup: StoredBackup<PhysicalBackupRecord>,
  log: Logger,
): Promise<PlaintextWal> {
  const physical = backup.record.physical;
  const stored = WalArchive.forSystem(repo.root, physical.systemIdentifier);
  if (!backup.record.encryption) return { archive: stored, mounts: [], check: null, dispose: async () => {} };
  const key = keyFor(backup.record, repo.key);
  const started = performance.now();
  const root = await mkdtemp(join(workDirectory(), 'recoverable-plaintext-wal-'));
  await chmod(root, 0o755);
  const remove = (): Promise<void> => rm(root, { recursive: true, force: true });
  const unregister = interruption.onInterrupt(remove);
  const dispose = async (): Promise<void> => {
    unregister();
    await remove();
  };
  try {
    const archive = new WalArchive(root, physical.systemIdentifier);
    // Passable parents (the server's OS user must reach the archive), the archive itself private.
    await mkdir(join(root, 'wal'), { mode: 0o755 });
    await mkdir(archive.dir, { mode: 0o700 });
    const names = neededWal(await stored.list(), physical.startSegment);
    log.info(`decrypting ${names.length} WAL files from ${physical.startSegment} on (key ${key.id})`);
    const damaged: string[] = [];
    await mapLimit(names, 2, async (name) => {
      try {
        await decryptFile(stored.pathOf(name), archive.pathOf(name), key, name);
      } catch (error) {
        // The record's key matched, so a file under another key was replaced: damage named like any other.
        if (error instanceof KeyMismatchError)
          damaged.push(`${name}: encrypted with key ${error.fileKeyId}, not the backup's key ${error.keyId}`);
        else if (error instanceof CiphertextDamagedError) damaged.push(error.message);
        else throw error;
      }
    });
    // restore_command runs as the server's OS user: the copy is that user's, like the repository's own archive.
    const user = clusterOsUser();
    if (user)
      for (const path of [archive.dir, ...(await archive.list()).map((n) => archive.pathOf(n))])
        await chown(path, user.uid, user.gid);
    const ms = Math.round(performance.now() - started);
    const expected = `${names.length} WAL files authenticate with key ${key.id}`;
    const check = damaged.length
      ? fail(
          'decrypt',
          'wal:decrypt',
          'exact',
          expected,
          damaged.sort(),
          `${damaged.length} archived WAL file(s) do not authenticate and cannot be replayed: ${damaged.slice(0, 3).join('; ')}${damaged.length > 3 ? ` (+${damaged.length - 3} more)` : ''}`,
          ms,
        )
      : pass(
          'decrypt',
          'wal:decrypt',
          'exact',
          expected,
          `${names.length} authenticated`,
          `decrypted ${names.length} WAL files from ${physical.startSegment} on with key ${key.id}: every chunk authenticated`,
          ms,
        );
    return { archive, mounts: [{ path: root, readOnly: true }], check, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
