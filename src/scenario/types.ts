// The normalized scenario: what the rest of Recoverable reads after loadScenario (design.md, Scenario shape).

/** Where a restore stops replaying WAL. `inclusive` says whether the target's own transaction is recovered. */
export type TargetSpec =
  | { kind: 'immediate' }
  | { kind: 'latest' }
  | { kind: 'time'; time: string /* ISO 8601 with a UTC offset, as written */; inclusive: boolean }
  | { kind: 'lsn'; lsn: string; inclusive: boolean }
  | { kind: 'xid'; xid: number; inclusive: boolean }
  | { kind: 'name'; name: string }
  | {
      kind: 'marker';
      marker: string;
      inclusive: boolean;
      /** Which recovery target proves the marker: its xid, commit time, LSN or restore point. */ via:
        'xid' | 'time' | 'lsn' | 'name';
    };

/**
 * One restore target with a stable label (`immediate`, `xid:1234`, `marker:batch-2`, and
 * ` (exclusive)` appended when `inclusive` is false). `checks` are this target's own checks:
 * the drill runs them in addition to {@link Scenario.checks}.
 */
export type Target = TargetSpec & { checks: CheckSpec[]; label: string };

/** One verification to run on a restored cluster. */
export type CheckSpec =
  | { kind: 'rowcounts' }
  | { kind: 'fingerprints' }
  | { kind: 'schema' }
  | { kind: 'sequences' }
  | { kind: 'large-objects' }
  | { kind: 'roles' }
  | { kind: 'amcheck'; heapallindexed: boolean }
  | {
      kind: 'sql';
      query: string;
      expect: number | string | boolean | null | { decimal: string };
      database?: string;
      name: string; /* default: the query, trimmed to 60 chars */
    };

/** The database that is backed up: a cluster Recoverable owns, or a real server. */
export type SourceSpec =
  | {
      kind: 'managed';
      version: number;
      database: string;
      fixtures: string[] /* absolute */;
      workload: { seed: number; transactions: number };
      dataChecksums: boolean;
      /** Tablespaces created outside PGDATA before the fixtures load (fixtures may use them). */
      tablespaces: string[];
      markers: true;
    }
  | { kind: 'url'; url: string; restoreCommand?: string; markers: boolean };

/** How a snapshot backup snapshots the volume(s): a built-in driver or the user's commands. */
export type SnapshotSpec =
  | { driver: 'btrfs' | 'copy'; timeoutMs: number; allowStandby: boolean }
  | { command: string; restoreCommand: string; deleteCommand?: string; timeoutMs: number; allowStandby: boolean };

/**
 * A backup another tool takes and keeps (pgBackRest, Barman ...): `restoreCommand` fills RECOVERABLE_PGDATA,
 * `restoreWal` is the restored server's restore_command (from `source.restoreCommand` when not given here).
 */
export interface ExternalSpec {
  restoreCommand: string;
  restoreWal: string;
  /** Returns once the WAL the source has archived is in the tool's archive (barman switch-wal --archive, pgbackrest check). */
  archiveCheck?: string;
  timeoutMs: number;
}

/** A validated scenario with defaults applied and relative paths made absolute. */
export interface Scenario {
  name: string;
  path: string /* absolute */;
  sha256: string;
  source: SourceSpec;
  repository: string /* absolute */;
  /** Backups and archived WAL encrypted in the repository with this key (README: Encryption at rest). */
  encryption?: { key: KeySourceSpec };
  backup: {
    method: 'dump' | 'basebackup' | 'snapshot' | 'external';
    jobs: number;
    /** How long a physical backup waits for its stop segment to be archived. */ archiveTimeoutMs: number;
    use?: string;
    snapshot?: SnapshotSpec;
    external?: ExternalSpec;
    /** PostgreSQL 17+: each basebackup is incremental against the previous one of its source (pg_combinebackup restores). */
    incremental?: boolean;
  };
  restore: {
    environment: 'local' | 'docker';
    image?: string;
    version?: number;
    noOwner: boolean;
    noPrivileges: boolean;
    targets: Target[];
    matrix?: { version: number[] };
    /** Physical backups: after recovery, pg_upgrade into `to` (only its `--check` with mode check). */
    upgrade?: UpgradeSpec;
  };
  checks: CheckSpec[];
  objectives: { rtoMs?: number; rpoMs?: number };
  report: { dir: string /* absolute */; formats: Array<'json' | 'junit' | 'markdown' | 'html'> };
  evidence: EvidenceSpec;
}

/** A key's source: a PEM file (absolute) or an environment variable holding a PEM or a path. */
export type KeySourceSpec = { file: string } | { env: string };

/** Signing of backups and run evidence: which keys, and whether a drill refuses unsigned backups. */
export interface EvidenceSpec {
  signingKey?: KeySourceSpec;
  verifyKey?: KeySourceSpec;
  require: 'signed' | 'any';
}

/** A pg_upgrade rehearsal: the new major and how pg_upgrade runs (`check` runs only `pg_upgrade --check`). */
export interface UpgradeSpec {
  to: number;
  mode: 'check' | 'copy' | 'link' | 'clone';
}
