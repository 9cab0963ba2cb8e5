// Faults in a stored dump: its files damaged after it completed, or its globals written without a role.
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Fault } from '../fault.ts';
import { dumpOf, flipBytes, largestFile, resealManifest, type BackupCopy } from '../inject/backup-copy.ts';
import { RecoverableError } from '../../core/errors.ts';

// Table data of a directory-format dump, compressed or not.
const isTableData = (name: string): boolean => /^\d+\.dat(\.gz|\.lz4|\.zst)?$/.test(name);

// The largest table data file of the dump: where damage hurts most.
async function dumpDataFile(copy: BackupCopy): Promise<string> {
  return largestFile(join(copy.backup.dir, dumpOf(copy).dumpDir), isTableData);
}

export const dumpTruncated: Fault = {
  id: 'dump-truncated',
  family: 'dump-files',
  injects: 'the largest table data file of the dump cut to half its size after the backup completed',
  caughtBy: { dump: 'manifest' },
  reason: /is \d+ bytes, the manifest says \d+/,
  injection: {
    stage: 'backup',
    async apply(copy) {
      const victim = await dumpDataFile(copy);
      const size = (await stat(victim)).size;
      await truncate(victim, Math.floor(size / 2));
      return `${relative(copy.backup.dir, victim)} cut from ${size} to ${Math.floor(size / 2)} bytes`;
    },
  },
};

export const dumpTampered: Fault = {
  id: 'dump-tampered',
  family: 'dump-files',
  injects: 'one byte changed in the middle of the largest table data file of the dump',
  caughtBy: { dump: 'manifest' },
  reason: /has SHA-256 [0-9a-f]+…, the manifest says/,
  injection: {
    stage: 'backup',
    async apply(copy) {
      const victim = await dumpDataFile(copy);
      const at = await flipBytes(victim, Buffer.from([0xff]));
      return `${relative(copy.backup.dir, victim)}: byte ${at} inverted`;
    },
  },
};

// A role the shop fixture's objects belong to.
const OWNER_ROLE = 'shop_owner';

export const rolesMissing: Fault = {
  id: 'roles-missing',
  family: 'dump-files',
  injects: `the globals of the dump written without role ${OWNER_ROLE}, which owns objects of the dumped database (the manifest written after)`,
  caughtBy: { dump: 'roles' },
  reason: new RegExp(`\\b${OWNER_ROLE}\\b`),
  injection: {
    stage: 'backup',
    async apply(copy) {
      const file = join(copy.backup.dir, dumpOf(copy).globalsFile);
      const lines = (await readFile(file, 'utf8')).split('\n');
      const kept = lines.filter((line) => !new RegExp(`\\b${OWNER_ROLE}\\b`).test(line));
      if (kept.length === lines.length)
        throw new RecoverableError(
          'fault-not-injectable',
          `${relative(copy.backup.dir, file)} never mentions role ${OWNER_ROLE}: nothing to leave out`,
        );
      await writeFile(file, kept.join('\n'));
      await resealManifest(copy);
      return `${lines.length - kept.length} line(s) about ${OWNER_ROLE} left out of ${relative(copy.backup.dir, file)}`;
    },
  },
};
