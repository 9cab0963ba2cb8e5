// Faults in a snapshot backup's tablespaces: its tablespace_map or a tablespace's snapshot missing.
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Fault } from '../fault.ts';
import { resealManifest, type BackupCopy } from '../inject/backup-copy.ts';
import type { TablespaceRecord } from '../../repository/backup-record.ts';
import { RecoverableError } from '../../core/errors.ts';

function firstTablespace(copy: BackupCopy): TablespaceRecord {
  const tablespace = copy.backup.record.physical?.tablespaces[0];
  if (!tablespace)
    throw new RecoverableError('fault-not-injectable', `backup ${copy.backup.record.id} has no tablespace`);
  return tablespace;
}

export const tablespaceMapMissing: Fault = {
  id: 'tablespace-map-missing',
  family: 'tablespaces',
  injects: 'tablespace_map deleted from a backup with a tablespace (the manifest written after)',
  reason: /tablespace_map is missing/,
  caughtBy: { snapshot: 'snapshot:tablespace-map' },
  injection: {
    stage: 'backup',
    async apply(copy) {
      const { name } = firstTablespace(copy);
      const mapFile = copy.backup.record.snapshot?.spcmapFile;
      if (!mapFile)
        throw new RecoverableError('fault-not-injectable', `backup ${copy.backup.record.id} stored no tablespace_map`);
      await rm(join(copy.backup.dir, mapFile));
      await resealManifest(copy);
      return `${mapFile} deleted (tablespace ${name})`;
    },
  },
};

export const tablespaceMissing: Fault = {
  id: 'tablespace-missing',
  family: 'tablespaces',
  injects: "a tablespace's snapshot deleted from the backup (the manifest written after)",
  reason: /snapshot of tablespace \d+ is missing/,
  caughtBy: { snapshot: 'snapshot:volumes' },
  injection: {
    stage: 'backup',
    async apply(copy) {
      const { name, path } = firstTablespace(copy);
      const dir = join(copy.backup.dir, path);
      await rm(dir, { recursive: true });
      await resealManifest(copy);
      return `${relative(copy.backup.dir, dir)} deleted (tablespace ${name})`;
    },
  },
};
