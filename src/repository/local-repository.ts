// The repository on a local directory: backups appear only when complete (temp dir, fsync, rename).
import { mkdir, readdir, readFile, rename, rm, chmod } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt, createHash } from 'node:crypto';
import { ScenarioError, BackupUnusableError } from '../core/errors.ts';
import { interruption } from '../core/interrupt.ts';
import {
  buildManifest,
  keepOutsideBackupManifest,
  listFiles,
  MANIFEST_FILE,
  MANIFEST_SIGNATURE_FILE,
  type Delegation,
  type Manifest,
} from './manifest.ts';
import { signBytes } from '../evidence/sign.ts';
import type { SigningKey } from '../evidence/keys.ts';
import { fsyncTree, fsyncPath, writeFileAtomic } from './durable.ts';
import {
  isPhysical,
  RECORD_FORMAT,
  type BackupRecord,
  type PhysicalBackupRecord,
  type StoredExpectations,
} from './backup-record.ts';
import { checkRecord } from './record-reader.ts';
import { describeIdentity, identityDifferences, recordIdentity, type SourceIdentity } from './source-identity.ts';
import type { RepositoryKey } from './cipher/key.ts';
import { cipherName, encryptBackupFiles, encryptionOf, keyFor } from './cipher/backup-files.ts';
import { decryptBuffer } from './cipher/stream-format.ts';
import { CiphertextDamagedError } from './cipher/errors.ts';

const BACKUPS = 'backups';
const STAGING_PREFIX = '.incomplete-';
const RECORD_FILE = 'backup.json';

/** A backup being written: only `commit()` makes it visible. */
export interface StagedBackup {
  id: string;
  dir: string;
}

/** A complete backup in the repository; `R` narrows it to a method (e.g. PhysicalBackupRecord). */
export interface StoredBackup<R extends BackupRecord = BackupRecord> {
  record: R;
  dir: string;
}

/** Whether a stored backup is a physical one (basebackup, snapshot, external): narrows its record for the steps of those. */
export function isPhysicalBackup(backup: StoredBackup): backup is StoredBackup<PhysicalBackupRecord> {
  return isPhysical(backup.record);
}

/** What a backup step hands to `commit`: the repository adds the format, the size and (by default, none) the history. */
export type RecordDraft = DraftOf<BackupRecord>;

// Per method, so a draft stays a union on `method` (Omit over the union would merge the variants).
type DraftOf<R> = R extends BackupRecord
  ? Omit<R, 'sizeBytes' | 'formatVersion' | 'historyFile'> & {
      historyFile?: string | null;
      /** Ignored: the repository stamps the format it writes. */
      formatVersion?: number;
    }
  : never;

/** Options of a repository: with a signer, every backup it commits has its manifest signed; with a key, new backups
 * are encrypted and encrypted ones can be read. */
export interface RepositoryOptions {
  signer?: SigningKey | null;
  key?: RepositoryKey | null;
}

export class LocalRepository {
  readonly root: string;
  private readonly signer: SigningKey | null;
  /** The scenario's encryption key, or null when it names none. */
  readonly key: RepositoryKey | null;

  constructor(root: string, options: RepositoryOptions = {}) {
    this.root = root;
    this.signer = options.signer ?? null;
    this.key = options.key ?? null;
  }

  private get backupsDir(): string {
    return join(this.root, BACKUPS);
  }

  /** Create the staging directory of a new backup (private: it holds the data). */
  async stage(id: string): Promise<StagedBackup> {
    await mkdir(this.root, { recursive: true, mode: 0o755 });
    await mkdir(this.backupsDir, { recursive: true, mode: 0o700 });
    const dir = join(this.backupsDir, `${STAGING_PREFIX}${id}`);
    await mkdir(dir, { mode: 0o700 });
    await chmod(dir, 0o700);
    return { id, dir };
  }

  /** Write backup.json and the manifest (over every file the backup holds, history included), sign it when a signer is set, fsync everything, then rename into place. */
  async commit(staged: StagedBackup, draft: RecordDraft): Promise<StoredBackup> {
    // Encrypted, every file is ciphertext in place (same paths), so the manifest below covers the ciphertext.
    const encryptStarted = performance.now();
    if (this.key) await encryptBackupFiles(staged.dir, staged.id, await listFiles(staged.dir), this.key);
    const encryptMs = Math.round(performance.now() - encryptStarted);
    // A basebackup's data/ carries PostgreSQL's backup_manifest (SHA-256 per file, checked by pg_verifybackup);
    // encrypted, pg_verifybackup only sees a plaintext copy at restore time, so our manifest covers every file.
    const delegations: Delegation[] =
      draft.method === 'basebackup' && draft.physical && !this.key
        ? [
            {
              dir: draft.physical.dataDir,
              manifest: `${draft.physical.dataDir}/backup_manifest`,
              verifiedBy: 'pg_verifybackup',
              keep: keepOutsideBackupManifest,
            },
          ]
        : [];
    const manifest = await buildManifest(staged.dir, delegations);
    const full: BackupRecord = {
      ...draft,
      formatVersion: RECORD_FORMAT,
      historyFile: draft.historyFile ?? null,
      sizeBytes: await treeSize(staged.dir),
      // The backup is not done until it is encrypted: its duration and end include that.
      ...(this.key
        ? {
            encryption: encryptionOf(this.key, encryptMs),
            durationMs: draft.durationMs + encryptMs,
            finishedAt: new Date(Date.parse(draft.finishedAt) + encryptMs).toISOString(),
          }
        : {}),
    };
    const recordText = `${JSON.stringify(full, null, 2)}\n`;
    await writeFileAtomic(join(staged.dir, RECORD_FILE), recordText);
    // Every other file was hashed once above; only backup.json is new.
    manifest.files.push({
      path: RECORD_FILE,
      size: Buffer.byteLength(recordText),
      sha256: createHash('sha256').update(recordText).digest('hex'),
    });
    manifest.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    await writeFileAtomic(join(staged.dir, MANIFEST_FILE), manifestText);
    // The signature covers the manifest's exact bytes, and through it every file (backup.json, expectations, history).
    if (this.signer)
      await writeFileAtomic(
        join(staged.dir, MANIFEST_SIGNATURE_FILE),
        `${JSON.stringify(signBytes(Buffer.from(manifestText), this.signer, MANIFEST_FILE), null, 2)}\n`,
      );
    // pg_basebackup fsyncs what it writes; everything else is synced here.
    await fsyncTree(
      staged.dir,
      delegations.map((d) => join(staged.dir, d.dir)),
    );
    const finalDir = join(this.backupsDir, staged.id);
    await rename(staged.dir, finalDir);
    await fsyncPath(this.backupsDir);
    return { record: full, dir: finalDir };
  }

  /** Write a new backup: `body` fills the staged directory and commits it; on an error or Ctrl-C nothing is left. */
  async writeBackup(id: string, body: (staged: StagedBackup) => Promise<StoredBackup>): Promise<StoredBackup> {
    const staged = await this.stage(id);
    const unregister = interruption.onInterrupt(() => this.abort(staged));
    try {
      return await body(staged);
    } catch (error) {
      await this.abort(staged);
      throw error;
    } finally {
      unregister();
    }
  }

  /** Throw away an incomplete backup. */
  async abort(staged: StagedBackup): Promise<void> {
    await rm(staged.dir, { recursive: true, force: true });
  }

  /** Complete backups, oldest first (ids sort by time); records of older formats too, so prune can remove them. */
  async list(): Promise<StoredBackup[]> {
    if (!existsSync(this.backupsDir)) return [];
    const names = (await readdir(this.backupsDir)).filter((n) => !n.startsWith('.')).sort();
    const backups: StoredBackup[] = [];
    for (const name of names) {
      const dir = join(this.backupsDir, name);
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(join(dir, RECORD_FILE), 'utf8'));
      } catch {
        // not a backup this repository wrote, or its record is unreadable: it cannot be restored, so it is not listed
        continue;
      }
      // A record that parses but lacks its method's details is a corrupt backup, named rather than passed over.
      backups.push({ record: checkRecord(parsed, join(dir, RECORD_FILE)), dir });
    }
    return backups;
  }

  /** The backups of one source (same scenario, method and source identity), oldest first. */
  async listOwn(wanted: SourceIdentity): Promise<StoredBackup[]> {
    return (await this.list()).filter((b) => identityDifferences(wanted, recordIdentity(b.record)).length === 0);
  }

  /** Pick a stored backup for `backup.use` among the scenario's own: latest, random, or an id (another source's is refused). */
  async resolve(use: string, wanted: SourceIdentity): Promise<StoredBackup> {
    const all = await this.list();
    const own = all.filter((b) => identityDifferences(wanted, recordIdentity(b.record)).length === 0);
    const others = all.length - own.length;
    if (use === 'latest' || use === 'random') {
      if (own.length === 0) {
        const aside = others
          ? `; it holds ${others} backup${others === 1 ? '' : 's'} of other scenarios or sources, which this one never restores`
          : '';
        throw new ScenarioError(
          `backup.use: "${use}" but the repository ${this.root} holds no backups of ${describeIdentity(wanted)}${aside}`,
          [
            {
              path: 'backup.use',
              problem: `no backups of this scenario's source in ${this.root}`,
              fix: 'take one first with `recoverable backup <scenario>`, or remove backup.use',
            },
          ],
        );
      }
      return currentLayout(use === 'latest' ? own[own.length - 1]! : own[randomInt(own.length)]!);
    }
    const found = all.find((b) => b.record.id === use);
    if (!found) {
      throw new ScenarioError(`backup.use: no backup "${use}" in ${this.root}`, [
        {
          path: 'backup.use',
          problem: `no backup with id "${use}"`,
          fix: own.length
            ? `use latest, random, or one of: ${own
                .slice(-5)
                .map((b) => b.record.id)
                .join(', ')}`
            : 'take one first with `recoverable backup <scenario>`',
        },
      ]);
    }
    const differences = identityDifferences(wanted, recordIdentity(found.record));
    if (differences.length > 0) {
      const theirs = describeIdentity(recordIdentity(found.record));
      throw new ScenarioError(
        `backup.use: backup ${use} is another source's: it was taken of ${theirs}, this scenario is ${describeIdentity(wanted)} (${differences.join('; ')})`,
        [
          {
            path: 'backup.use',
            problem: `backup ${use} belongs to ${theirs}`,
            fix: own.length
              ? `use latest, random, or one of this scenario's: ${own
                  .slice(-5)
                  .map((b) => b.record.id)
                  .join(', ')}`
              : 'take a backup of this scenario first with `recoverable backup <scenario>`',
          },
        ],
      );
    }
    return currentLayout(found);
  }

  /** The expectations stored with a backup, checked against its manifest; null when the record says none could be exact. */
  async readExpectations(backup: StoredBackup): Promise<StoredExpectations | null> {
    currentLayout(backup);
    if (!backup.record.expectationsFile) return null;
    return parseEvidence<StoredExpectations>(
      backup,
      backup.record.expectationsFile,
      'expectations',
      await this.readEvidence(backup, backup.record.expectationsFile, 'expectations'),
    );
  }

  /** A file the record names (expectations, history): missing, not in the manifest or changed since the backup completed makes the backup unusable. */
  async readEvidence(backup: StoredBackup, path: string, what: string): Promise<string> {
    const id = backup.record.id;
    const entry = (await this.readManifest(backup)).files.find((f) => f.path === path);
    if (!entry)
      throw new BackupUnusableError(`backup ${id}: its ${what} file ${path} is not covered by its manifest`, {
        hint: 'the backup was altered: take a new one',
      });
    let bytes: Buffer;
    try {
      bytes = await readFile(join(backup.dir, path));
    } catch (cause) {
      throw new BackupUnusableError(`backup ${id} lost its ${what} file ${path}`, {
        cause,
        hint: 'the backup was altered: take a new one',
      });
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== entry.size || sha256 !== entry.sha256) {
      throw new BackupUnusableError(
        `backup ${id}: its ${what} file ${path} was altered after the backup completed (SHA-256 ${sha256.slice(0, 12)}…, the manifest says ${entry.sha256.slice(0, 12)}…)`,
        { hint: 'the backup was altered: take a new one' },
      );
    }
    if (!backup.record.encryption) return bytes.toString('utf8');
    try {
      return (
        await decryptBuffer(
          bytes,
          keyFor(backup.record, this.key),
          cipherName(id, path),
          `backup ${id}: its ${what} file ${path}`,
        )
      ).toString('utf8');
    } catch (error) {
      if (error instanceof CiphertextDamagedError)
        throw new BackupUnusableError(error.message, { cause: error, hint: 'the backup was altered: take a new one' });
      throw error;
    }
  }

  /** Read a stored backup's manifest; a missing or unreadable one makes the backup unusable. */
  async readManifest(backup: StoredBackup): Promise<Manifest> {
    try {
      return JSON.parse(await readFile(join(backup.dir, MANIFEST_FILE), 'utf8')) as Manifest;
    } catch (cause) {
      throw new BackupUnusableError(`backup ${backup.record.id} has no readable ${MANIFEST_FILE}`, {
        cause,
        hint: 'the backup is incomplete or was altered: take a new one',
      });
    }
  }
}

/** A backup of an older record format is never restored: its history lived outside it, under no manifest. */
export function currentLayout(backup: StoredBackup): StoredBackup {
  const format = backup.record.formatVersion;
  if (format !== RECORD_FORMAT) {
    throw new BackupUnusableError(
      `backup ${backup.record.id} was written in an older repository layout (record format ${String(format)}, this version reads ${RECORD_FORMAT}): its history and source identity are not covered by its manifest, so it cannot be drilled`,
      {
        hint: 'take a new backup with `recoverable backup <scenario>` (or a drill without backup.use), then remove the old ones with `recoverable prune`',
      },
    );
  }
  return backup;
}

/** JSON of an evidence file already checked against the manifest; unparseable makes the backup unusable. */
export function parseEvidence<T>(backup: StoredBackup, path: string, what: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new BackupUnusableError(`backup ${backup.record.id}: its ${what} file ${path} is not valid JSON`, {
      cause,
      hint: 'take a new backup',
    });
  }
}

// Bytes of every file under `dir` (the backup's size, whoever's manifest covers them). The stats are synchronous: a
// basebackup holds a thousand files or more, and as many awaited stats cost ~100 ms of thread-pool round trips (~10 ms so).
async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for (const path of await listFiles(dir)) total += statSync(join(dir, path)).size;
  return total;
}
