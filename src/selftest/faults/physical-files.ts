// Faults in a stored physical backup's files: backup_label deleted or edited, a data file changed, standby.signal carried.
import { appendFile, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Fault } from '../fault.ts';
import { flipBytes, physicalOf, resealManifest, type BackupCopy } from '../inject/backup-copy.ts';
import { PAGE_SIZE } from '../inject/page-checksum.ts';
import { RecoverableError } from '../../core/errors.ts';

// Where backup_label is: inside a basebackup's data directory, beside backup.json for a snapshot (bytes of pg_backup_stop).
function labelPath(copy: BackupCopy): string {
  const { record } = copy.backup;
  if (record.method === 'snapshot') return join(copy.backup.dir, record.snapshot.labelFile);
  return join(dataDir(copy), 'backup_label');
}

function dataDir(copy: BackupCopy): string {
  return join(copy.backup.dir, physicalOf(copy).dataDir);
}

export const backupLabelDeleted: Fault = {
  id: 'backup-label-deleted',
  family: 'physical-files',
  injects:
    'backup_label deleted from the backup (the manifest written after): without it the server runs crash recovery',
  reason: /crash recovery/,
  caughtBy: { basebackup: 'recovery:backup-label', snapshot: 'recovery:backup-label' },
  injection: {
    stage: 'backup',
    async apply(copy) {
      const file = labelPath(copy);
      await rm(file);
      await resealManifest(copy);
      return `${relative(copy.backup.dir, file)} deleted`;
    },
  },
};

export const backupLabelEdited: Fault = {
  id: 'backup-label-edited',
  family: 'physical-files',
  injects: 'the LABEL line of backup_label edited (the repository manifest written after)',
  reason: /backup_label/,
  caughtBy: { basebackup: 'pg_verifybackup', snapshot: 'snapshot:backup-label' },
  injection: {
    stage: 'backup',
    async apply(copy) {
      const file = labelPath(copy);
      const text = await readFile(file, 'utf8');
      const edited = text.replace(/^LABEL: .*$/m, 'LABEL: edited after the backup');
      if (edited === text)
        throw new RecoverableError(
          'fault-not-injectable',
          `${relative(copy.backup.dir, file)} has no LABEL line to edit`,
        );
      await writeFile(file, edited);
      await resealManifest(copy);
      return `${relative(copy.backup.dir, file)}: LABEL line replaced`;
    },
  },
};

// The largest relation file of the backup's databases (base/<db>/<relfilenode>).
async function largestRelationFile(copy: BackupCopy): Promise<string> {
  const base = join(dataDir(copy), 'base');
  let best: { file: string; size: number } | null = null;
  for (const db of await readdir(base)) {
    for (const name of await readdir(join(base, db))) {
      if (!/^\d+$/.test(name)) continue;
      const file = join(base, db, name);
      const size = (await stat(file)).size;
      if (!best || size > best.size) best = { file, size };
    }
  }
  if (!best || best.size < 2 * PAGE_SIZE)
    throw new RecoverableError('fault-not-injectable', `no relation file of two pages or more under ${base}`);
  return best.file;
}

export const backupFileTampered: Fault = {
  id: 'backup-file-tampered',
  family: 'physical-files',
  injects: "four bytes changed inside the second page of the backup's largest relation file",
  reason: /checksum mismatch|has SHA-256/,
  caughtBy: { basebackup: 'pg_verifybackup', snapshot: 'manifest' },
  injection: {
    stage: 'backup',
    async apply(copy) {
      const victim = await largestRelationFile(copy);
      const at = await flipBytes(victim, Buffer.from([0xde, 0xad, 0xbe, 0xef]), PAGE_SIZE + 4000);
      return `${relative(copy.backup.dir, victim)}: bytes ${at} to ${at + 3} changed`;
    },
  },
};

export const standbySignal: Fault = {
  id: 'standby-signal',
  family: 'physical-files',
  injects:
    'standby.signal and a primary_conninfo inside the backup, as pg_basebackup -R or a standby leaves them (the manifest written after)',
  reason: /standby\.signal/,
  caughtBy: { basebackup: 'backup:standby-signal', snapshot: 'backup:standby-signal' },
  injection: {
    stage: 'backup',
    async apply(copy) {
      const data = dataDir(copy);
      await writeFile(join(data, 'standby.signal'), '');
      // A documentation address (RFC 5737): never reachable, should the restore ever try.
      await appendFile(join(data, 'postgresql.auto.conf'), "primary_conninfo = 'host=192.0.2.1 user=replicator'\n");
      await resealManifest(copy);
      return `${relative(copy.backup.dir, join(data, 'standby.signal'))} created, primary_conninfo appended to postgresql.auto.conf`;
    },
  },
};
