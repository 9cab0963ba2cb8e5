// Reading backup.json: a record is trusted as a BackupRecord only when its method's details are there, and no other's.
import { BackupUnusableError } from '../core/errors.ts';
import type { BackupMethod, BackupRecord } from './backup-record.ts';

type Details = 'dump' | 'physical' | 'snapshot' | 'external';

// The details each method's record carries; every other kind must be absent.
const DETAILS_OF: Readonly<Record<BackupMethod, readonly Details[]>> = {
  dump: ['dump'],
  basebackup: ['physical'],
  snapshot: ['physical', 'snapshot'],
  external: ['physical', 'external'],
};

const ALL_DETAILS: readonly Details[] = ['dump', 'physical', 'snapshot', 'external'];

/**
 * Check a parsed backup.json (at `file`) against the record's shape by method; a record that names a method without
 * its details, or with another method's, is corrupt: a BackupUnusableError naming the file and what to do.
 */
export function checkRecord(value: unknown, file: string): BackupRecord {
  if (!isObject(value)) throw corrupt(file, 'it is not a JSON object');
  const method = value.method;
  if (typeof method !== 'string' || !Object.hasOwn(DETAILS_OF, method))
    throw corrupt(file, `its method ${JSON.stringify(method)} is none of ${Object.keys(DETAILS_OF).join(', ')}`);
  const wanted = DETAILS_OF[method as BackupMethod];
  const missing = wanted.filter((d) => !isObject(value[d]));
  if (missing.length > 0)
    throw corrupt(file, `it says method ${method} but lacks its ${missing.map((d) => `"${d}"`).join(' and ')} details`);
  const foreign = ALL_DETAILS.filter((d) => !wanted.includes(d) && value[d] !== undefined);
  if (foreign.length > 0)
    throw corrupt(
      file,
      `it says method ${method} but carries ${foreign.map((d) => `"${d}"`).join(' and ')} details, which only another method has`,
    );
  return value as unknown as BackupRecord;
}

function corrupt(file: string, problem: string): BackupUnusableError {
  return new BackupUnusableError(`the backup record ${file} is corrupt: ${problem}`, {
    hint: 'the backup cannot be restored: move its directory out of the repository (or put back its backup.json from a copy), then take a new backup',
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
