// A snapshot driver captures the source's volumes between backup start and stop, and clones them back for a restore.
import type { Runtime } from '../../env/runtime.ts';
import type { SnapshotDetails } from '../../repository/backup-record.ts';

export interface SnapshotTakeInput {
  name: string;
  pgdata: string;
  /** OID → location of every tablespace outside PGDATA. */
  tablespaces: Record<string, string>;
  startLsn: string;
  startWalFile: string;
  /** The staged backup directory (drivers that copy files put them here). */
  stagedDir: string;
  repository: string;
  timeoutMs: number;
}

export interface SnapshotRestoreInput {
  details: SnapshotDetails;
  /** The stored backup's directory. */
  backupDir: string;
  /** An absent or empty directory that must become a writable PGDATA clone. */
  dataTarget: string;
  /** OID → where each tablespace's writable clone must go. */
  tablespaceTargets: Record<string, string>;
  runtime: Runtime;
  timeoutMs: number;
}

export interface SnapshotDriver {
  readonly kind: SnapshotDetails['driver'];
  /** Capture every volume; returns what the record must remember (subvolume paths ...). */
  take(input: SnapshotTakeInput): Promise<Pick<SnapshotDetails, 'subvolumes'>>;
  /** Materialise writable clones; a missing piece throws SnapshotMissingError naming it. */
  restore(input: SnapshotRestoreInput): Promise<void>;
}
