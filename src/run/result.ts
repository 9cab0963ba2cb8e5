// The run result: the source of truth every reporter renders (result.json schema).
import type { Coverage } from './verdict.ts';

export const RESULT_SCHEMA_VERSION = 1;

export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'errored';
export type Verdict = 'passed' | 'failed' | 'errored';
/** How exact an expectation is: compared to a value captured in the same snapshot, a bound, or none. */
export type Exactness = 'exact' | 'bounded' | 'not-available';

/** Every kind of check: the scenario's own (rowcounts ... sql), then those the drill runs on its own and run-level findings. */
export const CHECK_KINDS = [
  'rowcounts',
  'fingerprints',
  'schema',
  'sequences',
  'large-objects',
  'roles',
  'amcheck',
  'sql',
  'archive',
  'backup',
  'checksums',
  'decrypt',
  'external',
  'files',
  'isolation',
  'manifest',
  'markers',
  'recovery',
  'restore',
  'signature',
  'snapshot',
  'upgrade',
  'verifybackup',
  'wal',
  'environment',
  'internal',
] as const;

/** What a check verifies; a kind outside {@link CHECK_KINDS} does not compile where a CheckKind is asked for. */
export type CheckKind = (typeof CHECK_KINDS)[number];

export interface CheckResult {
  /** Stable id within a restore, e.g. `rowcount:shop.orders`. */
  id: string;
  kind: CheckKind;
  status: CheckStatus;
  exactness?: Exactness;
  expected?: unknown;
  actual?: unknown;
  /** A message a person can act on. */
  message: string;
  durationMs: number;
}

export interface Phase {
  name: string;
  durationMs: number;
  /**
   * Spent once for a copy several targets replayed on in turn (its environment, copy, and the replay to the earlier
   * targets): counted in each of those restores' recovery time, as a restore to that target alone would spend it.
   */
  reused?: boolean;
  /**
   * Ran at the same time as another phase of the restore (pg_verifybackup beside the copy): `durationMs` counts only
   * the wait once that phase had ended, and `ranMs` is how long it ran in all (absent when it failed to run).
   */
  alongside?: { phase: string; ranMs?: number };
}

/** Targets on one timeline replayed in order on one copy: where this restore stands among them. */
export interface SharedCopy {
  /** The target the copy was first restored to. */
  first: string;
  /** 1 for the first target, 2 for the next one replay went on to, ... */
  position: number;
  /** How many targets replayed on this copy (1: the next one the copy could not go on to went on a fresh copy). */
  targets: number;
  /** Its checks ran read-only while the server was paused in recovery; false: on the promoted server. */
  checkedInRecovery: boolean;
}

export interface ReachedTarget {
  kind: string;
  lsn?: string;
  xid?: string;
  time?: string;
  proof: string;
}

/** How a physical restore got its own copy of the backup's files, and what a full copy of them costs. */
export interface RestoreCopy {
  /** `reflink`: every file shares the backup's extents copy-on-write; `full`: every byte written again; `mixed`: some trees each way. */
  method: 'reflink' | 'full' | 'mixed';
  /** Regular files and their bytes in the backup's data directory and tablespaces: what a full copy writes. */
  files: number;
  bytes: number;
  /** Bytes of file data this copy wrote (0 when every file was a reflink). */
  bytesWritten: number;
  durationMs: number;
  /** What writing `bytes` costs on this disk, at a rate measured by this copy (full) or by a write probe of the restore's directory. */
  fullCopy?: { bytesPerSecond: number; estimatedMs: number; basis: string };
}

export interface RestoreResult {
  target: string;
  environment: {
    kind: 'local' | 'docker';
    version: number;
    image?: string;
    imageDigest?: string;
    network?: 'none' | 'host';
    upgrade?: UpgradeSummary;
  };
  reached: ReachedTarget;
  phases: Phase[];
  /** Physical restores: how the backup's files were copied for this restore. */
  copy?: RestoreCopy;
  /** Set when this restore's copy served several targets, replayed in order (checked read-only before the last). */
  sharedCopy?: SharedCopy;
  checks: CheckResult[];
  /** Server warnings and notices seen while restoring (pg_restore stderr, server log). */
  warnings?: string[];
  /** Set when the restore could not complete; its checks then hold an errored/failed entry. */
  error?: { code: string; message: string; hint?: string };
}

/** A pg_upgrade rehearsal after the restore: into which major, how, and whether the upgrade itself ran. */
export interface UpgradeSummary {
  from: number;
  to: number;
  /** The new major's release, e.g. "17.12". */
  toVersion: string;
  mode: 'check' | 'copy' | 'link' | 'clone';
  /** False with mode check, or when pg_upgrade refused: the checks then ran on the restored cluster of `from`. */
  performed: boolean;
}

export interface ObjectiveResult {
  name: 'rto' | 'rpo';
  objectiveMs: number;
  measuredMs: number | null;
  status: CheckStatus;
  /** What the measurement rests on, in words (e.g. "sum of phases: fetch, restore, checks"). */
  basis: string;
}

export interface BackupSummary {
  id: string;
  method: 'dump' | 'basebackup' | 'snapshot' | 'external';
  startLsn?: string;
  stopLsn?: string;
  sizeBytes: number;
  durationMs: number;
  /** Whether this run took the backup or reused one from the repository. */
  taken: boolean;
  takenAt: string;
  sourceVersion: number;
  /** The source's server_version when the backup was taken (e.g. 15.8). */
  sourceServerVersion?: string;
  /** An incremental backup: the backups pg_combinebackup read before it, oldest (the full backup) first. */
  chain?: string[];
  /** SHA-256 of the backup's manifest.json as the drill read it. */
  manifestSha256?: string;
  /** Whether the backup was signed, by which key, and whether the verify key proved it. */
  signature?: BackupSignature;
}

/** What a drill found about a backup's manifest signature. */
export interface BackupSignature {
  signed: boolean;
  /** The key the signature names: SHA-256 of the raw Ed25519 public key, hex. */
  keyFingerprint?: string;
  /** Verified under the scenario's verify key, not only under the key the signature carries. */
  verified: boolean;
}

/** Who ran a drill, where, with what: for an auditor reading result.json. Never a secret. */
export interface Provenance {
  user: string;
  host: string;
  /** The CI job, from the CI's own environment variables; absent outside CI. */
  ci?: { system: string; runId?: string; repository?: string; revision?: string; pipelineId?: string; jobUrl?: string };
  toolVersion: string;
  scenarioSha256: string;
  backup?: { id: string; manifestSha256?: string; signed: boolean; keyFingerprint?: string };
  /** Each container image restored into, with its digest. */
  images: Array<{ image: string; digest?: string }>;
  /** The PostgreSQL major of the source and of each restore. */
  postgres: { source?: number; sourceServer?: string; restores: Array<{ target: string; version: number }> };
}

export interface RunResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  runId: string;
  tool: { name: 'recoverable'; version: string };
  scenario: { name: string; path: string; sha256: string };
  startedAt: string;
  finishedAt: string;
  verdict: Verdict;
  /** Why the verdict is what it is, in one line. */
  summary: string;
  backup: BackupSummary | null;
  restores: RestoreResult[];
  objectives: ObjectiveResult[];
  /** Checks that belong to the run rather than one restore (e.g. backup manifest verification). */
  checks: CheckResult[];
  /** Which comparisons ran, which were skipped and why, which were not requested: what the verdict covers. */
  coverage?: Coverage[];
  /** Set when the harness itself could not finish the run. */
  error?: { code: string; message: string; hint?: string };
  /** The scenario's recent runs from the repository's run ledger, oldest first, this run last (absent when the ledger could not be read). */
  history?: HistoryPoint[];
  /** Who ran it, where, and what exactly it drilled. */
  provenance?: Provenance;
}

/** One run of a scenario as the report's history charts show it. */
export interface HistoryPoint {
  runId: string;
  finishedAt: string;
  verdict: Verdict;
  rtoMs: number | null;
  rtoObjectiveMs: number | null;
  rpoMs: number | null;
  rpoObjectiveMs: number | null;
  /** Checks that failed or errored. */
  checksFailed: number;
}
