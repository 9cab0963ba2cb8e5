// Which files of a backup are encrypted, under which name, and the check that a backup and a key belong together.
import { join } from 'node:path';
import { ScenarioError } from '../../core/errors.ts';
import { mapLimit } from '../../core/parallel.ts';
import type { BackupEncryption, BackupRecord } from '../backup-record.ts';
import { MANIFEST_FILE } from '../manifest.ts';
import { encryptInPlace } from './files.ts';
import { KeyMismatchError } from './errors.ts';
import type { RepositoryKey } from './key.ts';

/** Left readable so `list` and `prune` work without the key: they hold ids, times, sizes and hashes, no data. */
export const PLAINTEXT_FILES: ReadonlySet<string> = new Set(['backup.json', MANIFEST_FILE]);

/** The name a backup file's key is derived with: a file moved to another path or backup does not decrypt. */
export function cipherName(backupId: string, path: string): string {
  return `${backupId}/${path}`;
}

/** What backup.json says about an encryption with `key` that took `durationMs`. */
export function encryptionOf(key: RepositoryKey, durationMs: number): BackupEncryption {
  return { cipher: 'aes-256-gcm-chunked', formatVersion: 1, keyId: key.id, durationMs };
}

/** Encrypt every file of a staged backup in place (two at a time: the work is AES, bounded by the cores). */
export async function encryptBackupFiles(
  dir: string,
  backupId: string,
  paths: readonly string[],
  key: RepositoryKey,
): Promise<void> {
  await mapLimit(
    paths.filter((p) => !PLAINTEXT_FILES.has(p)),
    2,
    (path) => encryptInPlace(join(dir, path), key, cipherName(backupId, path)),
  );
}

/** The key to read an encrypted backup with: none configured is exit 2, another key exit 3 (nothing decrypted). */
export function keyFor(record: Pick<BackupRecord, 'id' | 'encryption'>, key: RepositoryKey | null): RepositoryKey {
  const encryption = record.encryption!;
  if (!key) {
    throw new ScenarioError(
      `backup ${record.id} is encrypted (key ${encryption.keyId}) and the scenario names no key`,
      [
        {
          path: 'encryption.key',
          problem: `backup ${record.id} is encrypted`,
          fix: 'add encryption: { key: { file: <path> } } (or { env: NAME }) with the key the backup was taken with',
        },
      ],
    );
  }
  if (encryption.keyId !== key.id) throw new KeyMismatchError(`backup ${record.id}`, encryption.keyId, key.id);
  return key;
}
