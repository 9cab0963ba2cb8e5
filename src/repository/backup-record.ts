// What the repository stores about one backup (backup.json), beside its files.
import type { Expectations } from '../checks/expectations.ts';

export type BackupMethod = 'dump' | 'basebackup' | 'snapshot';

export interface DumpDetails {
  database: string;
  /** The exported snapshot pg_dump ran in, and the expectations were captured in. */
  snapshot: string;
  jobs: number;
  /** Relative paths inside the backup. */
  globalsFile: string;
  dumpDir: string;
  encoding: string;
  collate: string;
  ctype: string;
  /** pg_dump's version (must not be older than the server's). */
  pgDumpVersion: string;
}

export interface BackupRecord {
  formatVersion: 1;
  id: string;
  method: BackupMethod;
  scenario: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Sum of file sizes in the manifest. */
  sizeBytes: number;
  source: { kind: 'managed' | 'url'; major: number; serverVersion: string; database: string; systemIdentifier?: string };
  dump?: DumpDetails;
  /** Relative path of the expectations file, captured with the backup. */
  expectationsFile: string;
}

/** Expectations are stored in their own file, next to backup.json. */
export interface StoredExpectations {
  formatVersion: 1;
  exactness: 'exact' | 'bounded';
  capturedAt: string;
  expectations: Expectations;
}
