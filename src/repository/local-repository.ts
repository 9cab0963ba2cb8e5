// The repository on a local directory: backups appear only when complete (temp dir, fsync, rename).
import { mkdir, readdir, readFile, rename, rm, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt, createHash } from 'node:crypto';
import { ScenarioError, BackupUnusableError } from '../core/errors.ts';
import { interruption } from '../core/interrupt.ts';
import { buildManifest, keepWalOfBasebackup, listFiles, MANIFEST_FILE, type Delegation, type Manifest } from './manifest.ts';
import { stat } from 'node:fs/promises';
import { fsyncTree, fsyncPath, writeFileAtomic } from './durable.ts';
import type { BackupRecord, StoredExpectations } from './backup-record.ts';

const BACKUPS = 'backups';
const STAGING_PREFIX = '.incomplete-';
const RECORD_FILE = 'backup.json';

/** A backup being written: only `commit()` makes it visible. */
export interface StagedBackup {
  id: string;
  dir: string;
}

/** A complete backup in the repository. */
export interface StoredBackup {
  record: BackupRecord;
  dir: string;
}

export class LocalRepository {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
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

  /** Write backup.json and the manifest, fsync everything, then rename into place. */
  async commit(staged: StagedBackup, record: Omit<BackupRecord, 'sizeBytes'>): Promise<StoredBackup> {
    // A basebackup's data/ carries PostgreSQL's backup_manifest (SHA-256 per file, checked by pg_verifybackup).
    const delegations: Delegation[] = record.method === 'basebackup' && record.physical
      ? [{ dir: record.physical.dataDir, manifest: `${record.physical.dataDir}/backup_manifest`, verifiedBy: 'pg_verifybackup', keep: keepWalOfBasebackup }]
      : [];
    const manifest = await buildManifest(staged.dir, delegations);
    const full: BackupRecord = { ...record, sizeBytes: await treeSize(staged.dir) } as BackupRecord;
    const recordText = `${JSON.stringify(full, null, 2)}\n`;
    await writeFileAtomic(join(staged.dir, RECORD_FILE), recordText);
    // Every other file was hashed once above; only backup.json is new.
    manifest.files.push({ path: RECORD_FILE, size: Buffer.byteLength(recordText), sha256: createHash('sha256').update(recordText).digest('hex') });
    manifest.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    await writeFileAtomic(join(staged.dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    // pg_basebackup fsyncs what it writes; everything else is synced here.
    await fsyncTree(staged.dir, delegations.map((d) => join(staged.dir, d.dir)));
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

  /** Complete backups, oldest first (ids sort by time). */
  async list(): Promise<StoredBackup[]> {
    if (!existsSync(this.backupsDir)) return [];
    const names = (await readdir(this.backupsDir)).filter((n) => !n.startsWith('.')).sort();
    const backups: StoredBackup[] = [];
    for (const name of names) {
      const dir = join(this.backupsDir, name);
      try {
        const record = JSON.parse(await readFile(join(dir, RECORD_FILE), 'utf8')) as BackupRecord;
        backups.push({ record, dir });
      } catch {
        // not a backup this repository wrote, or its record is unreadable: it cannot be restored, so it is not listed
      }
    }
    return backups;
  }

  /** Pick a stored backup for `backup.use`: latest, random, or an id. */
  async resolve(use: string, method?: BackupRecord['method']): Promise<StoredBackup> {
    const all = (await this.list()).filter((b) => !method || b.record.method === method);
    const kind = method ? `${method} backups` : 'backups';
    if (all.length === 0) {
      throw new ScenarioError(`backup.use: "${use}" but the repository ${this.root} holds no ${kind}`, [
        { path: 'backup.use', problem: `no ${kind} in ${this.root}`, fix: 'take one first with `recoverable backup <scenario>`, or remove backup.use' },
      ]);
    }
    if (use === 'latest') return all[all.length - 1] as StoredBackup;
    if (use === 'random') return all[randomInt(all.length)] as StoredBackup;
    const found = all.find((b) => b.record.id === use);
    if (!found) {
      throw new ScenarioError(`backup.use: no backup "${use}" in ${this.root}`, [
        { path: 'backup.use', problem: `no backup with id "${use}"`, fix: `use latest, random, or one of: ${all.slice(-5).map((b) => b.record.id).join(', ')}` },
      ]);
    }
    return found;
  }

  /** The expectations stored with a backup, or null when it has none (they could not be exact). */
  async readExpectations(backup: StoredBackup): Promise<StoredExpectations | null> {
    if (!backup.record.expectationsFile) return null;
    try {
      return JSON.parse(await readFile(join(backup.dir, backup.record.expectationsFile), 'utf8')) as StoredExpectations;
    } catch (cause) {
      throw new BackupUnusableError(`backup ${backup.record.id} lost its expectations file ${backup.record.expectationsFile}`, { cause, hint: 'the backup was altered: take a new one' });
    }
  }

  /** Read a stored backup's manifest; a missing or unreadable one makes the backup unusable. */
  async readManifest(backup: StoredBackup): Promise<Manifest> {
    try {
      return JSON.parse(await readFile(join(backup.dir, MANIFEST_FILE), 'utf8')) as Manifest;
    } catch (cause) {
      throw new BackupUnusableError(`backup ${backup.record.id} has no readable ${MANIFEST_FILE}`, { cause, hint: 'the backup is incomplete or was altered: take a new one' });
    }
  }
}

// Bytes of every file under `dir` (the backup's size, whoever's manifest covers them).
async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for (const path of await listFiles(dir)) total += (await stat(join(dir, path))).size;
  return total;
}
