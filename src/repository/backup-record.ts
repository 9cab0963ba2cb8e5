// What the repository stores about one backup (backup.json), beside its files.
import type { Expectations } from '../expectations/capture.ts';
import { RecoverableError } from '../core/errors.ts';

export type BackupMethod = 'dump' | 'basebackup' | 'snapshot' | 'external';

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
  /** What pg_dump and pg_dumpall warned of while taking it ("subscriptions not dumped ..."); absent when nothing. */
  warnings?: string[];
}

/** A tablespace of a physical backup: its OID, name, where it lived on the source, and where it is in the backup. */
export interface TablespaceRecord {
  oid: string;
  name: string;
  sourceLocation: string;
  /** Relative path inside the backup. */
  path: string;
}

export interface PhysicalDetails {
  /** Relative path of the data directory inside the backup. */
  dataDir: string;
  label: string;
  startLsn: string;
  stopLsn: string;
  timeline: number;
  startSegment: string;
  stopSegment: string;
  walSegmentSize: number;
  systemIdentifier: string;
  dataChecksums: boolean;
  /** The bootstrap superuser (OID 10): who a restored cluster is entered as. */
  superuser: string;
  tablespaces: TablespaceRecord[];
  /** Files the backup carried that a restore must not use as-is (standby.signal, primary_conninfo). */
  hazards: string[];
  /** Taken from a standby (pg_is_in_recovery()): its standby.signal is carried by nature, not held against it. */
  fromStandby?: boolean;
  toolVersion: string;
  /** Set on an incremental basebackup (PostgreSQL 17+): what pg_combinebackup needs before it. */
  incremental?: IncrementalDetails;
}

/** An incremental basebackup's place in its chain. */
export interface IncrementalDetails {
  /** The backup whose backup_manifest pg_basebackup --incremental read. */
  parent: string;
  /** Every backup a restore combines before this one, oldest (the full backup) first; ends with `parent`. */
  chain: string[];
  /** backup_label's INCREMENTAL FROM LSN: the parent's start, as the server saw it. */
  fromLsn: string;
}

/** How a snapshot backup's volumes were captured, and how to get them back or delete them. */
export interface SnapshotDetails {
  /** RECOVERABLE_SNAPSHOT_NAME given to the commands (unique per backup). */
  name: string;
  driver: 'btrfs' | 'copy' | 'command';
  /** The source's data directory and tablespace locations when the snapshot was taken. */
  pgdata: string;
  /** btrfs: read-only snapshot subvolumes, by what they capture ("data" or a tablespace OID). */
  subvolumes?: Record<string, string>;
  /** command driver: the scenario's restore and delete commands, kept so prune and later drills use the same. */
  restoreCommand?: string;
  deleteCommand?: string;
  /** What pg_backup_stop returned, stored byte for byte beside backup.json, with SHA-256 for each. */
  labelFile: string;
  labelSha256: string;
  spcmapFile: string | null;
  spcmapSha256: string | null;
  /** The source was a standby whose archive_mode=always was checked. */
  fromStandby: boolean;
}

/**
 * A backup another tool (pgBackRest, Barman ...) took and keeps: Recoverable stores only what a drill of it recorded
 * (the source's identity, markers written into the live source) and the commands that bring it back.
 */
export interface ExternalDetails {
  /** Fills RECOVERABLE_PGDATA with the backup (the user's tool chooses which backup: the latest before the markers). */
  restoreCommand: string;
  /** restore_command for the restored server: fetches %f from the tool's WAL archive into %p. */
  restoreWal: string;
  /** Run after the markers were archived by the source: returns once the tool has them too. */
  archiveCheck?: string;
  /** How long restoreCommand may run. */
  timeoutMs: number;
  /** The source's WAL insert position when the drill began recording: the external backup must start before it. */
  recordedAtLsn: string;
}

/** The record format: 2 keeps the history inside the backup, under its manifest, and the source's identity. */
export const RECORD_FORMAT = 2;

/** The file a backup's exact expectations are stored in, beside its record (any method that captures them). */
export const EXPECTATIONS_FILE = 'expectations.json';

/** The source a backup was taken from: what `backup.use` matches a scenario against. */
export interface SourceRecord {
  kind: 'managed' | 'url';
  major: number;
  serverVersion: string;
  database: string;
  /** pg_control_system()'s identifier: always for physical backups, for dumps when the role may read it. */
  systemIdentifier?: string;
  /** url sources: the host or socket directory and port, as the URL gave them (never the password). */
  server?: string;
}

/** What every backup record holds, whatever its method. */
interface BackupRecordBase {
  /** RECORD_FORMAT when written; older records are listed (so prune can remove them) but never restored. */
  formatVersion: number;
  id: string;
  method: BackupMethod;
  scenario: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Sum of file sizes in the manifest. */
  sizeBytes: number;
  source: SourceRecord;
  /** Relative path of the expectations file, captured with the backup (null: none could be exact). */
  expectationsFile: string | null;
  /**
   * Relative path of the source's history after the backup (markers, end state), written before the backup was
   * committed and covered by its manifest. Null: none was recorded (a url source is not Recoverable's to write on).
   */
  historyFile: string | null;
  /** Set when every file but backup.json and manifest.json is encrypted (README: Encryption at rest). */
  encryption?: BackupEncryption;
}

// The absent details stay declared as `?: undefined`, so `record.physical?.x` reads on any record.

/** A pg_dump backup: the dump and globals, no WAL. */
export interface DumpBackupRecord extends BackupRecordBase {
  method: 'dump';
  dump: DumpDetails;
  physical?: undefined;
  snapshot?: undefined;
  external?: undefined;
}

/** A pg_basebackup (full, or incremental inside `physical`): WAL range, identity, tablespaces. */
export interface BasebackupRecord extends BackupRecordBase {
  method: 'basebackup';
  physical: PhysicalDetails;
  dump?: undefined;
  snapshot?: undefined;
  external?: undefined;
}

/** A volume snapshot taken between pg_backup_start and pg_backup_stop: its WAL range, and how to get the volumes back. */
export interface SnapshotBackupRecord extends BackupRecordBase {
  method: 'snapshot';
  physical: PhysicalDetails;
  snapshot: SnapshotDetails;
  dump?: undefined;
  external?: undefined;
}

/** A backup another tool keeps: where the drill began on the source, and how a drill brings the backup back. */
export interface ExternalBackupRecord extends BackupRecordBase {
  method: 'external';
  physical: PhysicalDetails;
  external: ExternalDetails;
  dump?: undefined;
  snapshot?: undefined;
}

/** What the repository stores about one backup, by method: each method's details are present exactly for it. */
export type BackupRecord = DumpBackupRecord | BasebackupRecord | SnapshotBackupRecord | ExternalBackupRecord;

/** A backup restored from a data directory and WAL (basebackup, snapshot, external): it has `physical` details. */
export type PhysicalBackupRecord = BasebackupRecord | SnapshotBackupRecord | ExternalBackupRecord;

/** Whether a record is of a physical backup, so its `physical` details are present. */
export function isPhysical(record: BackupRecord): record is PhysicalBackupRecord {
  return record.method !== 'dump';
}

/**
 * The physical details of a record its caller has already established is physical (a drill step of physical backups
 * only): a dump reaching it is a defect of Recoverable, raised as an internal error rather than read as undefined.
 */
export function requirePhysical(record: BackupRecord): PhysicalDetails {
  if (!isPhysical(record))
    throw new RecoverableError(
      'internal',
      `backup ${record.id} is a dump, but a step of physical backups was given it`,
    );
  return record.physical;
}

/** How a backup's files are encrypted: the format and the id of the key (never the key). */
export interface BackupEncryption {
  cipher: 'aes-256-gcm-chunked';
  formatVersion: 1;
  keyId: string;
  /** Time spent encrypting at commit (included in the record's durationMs). */
  durationMs: number;
}

/** Expectations are stored in their own file, next to backup.json. */
export interface StoredExpectations {
  formatVersion: 1;
  exactness: 'exact' | 'bounded';
  capturedAt: string;
  expectations: Expectations;
}
