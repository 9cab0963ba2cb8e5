// A fault: what is injected, at which stage of a backup's life, and which check must catch it.
import type { Logger } from '../core/log.ts';
import type { Cluster } from '../env/cluster.ts';
import type { DrillVerdict } from '../drill/drill.ts';
import type { AfterRestoreHook } from '../drill/restore-dump-target.ts';
import type { CheckResult } from '../run/result.ts';
import type { Scenario, Target } from '../scenario/types.ts';
import type { BackupCopy } from './inject/backup-copy.ts';

/** A backup method the self-test drills (the scenario's `backup.method`). */
export type BackupMethod = 'dump' | 'basebackup' | 'snapshot';
/** Every method, in the order `--method all` runs them. */
export const BACKUP_METHODS: readonly BackupMethod[] = ['dump', 'basebackup', 'snapshot'];
/** Where the source runs and backups are restored (the scenario's `restore.environment`). */
export type EnvironmentKind = 'local' | 'docker';

/**
 * Where a fault enters, in the order a backup meets them: the source before the backup, the stored backup's files,
 * the WAL archive, a segment arriving at the archive, the target a restore asks for, the restored cluster.
 */
export type Stage = 'source' | 'repository' | 'backup' | 'archive' | 'archiving' | 'target' | 'restored';

/** What an injection may use: the run's settings and a private directory removed after the fault. */
export interface FaultContext {
  method: BackupMethod;
  environment: EnvironmentKind;
  version: number;
  dir: string;
  log: Logger;
}

/** Runs one drill of a scenario the way the self-test runs every drill (same logger, clock and weakening). */
export type DrillRunner = (
  scenario: Scenario,
  afterRestore?: AfterRestoreHook,
  label?: string,
) => Promise<DrillVerdict>;

/** How and where a fault is injected; each returns a description of exactly what it changed. */
export type Injection =
  /** Change a copy of the clean repository (the clean backup is reused, never changed); the drill restores the copy. */
  | { stage: 'backup' | 'archive'; apply(copy: BackupCopy, ctx: FaultContext): Promise<string>; targets?: Target[] }
  /**
   * Offer another backup in a copy of the repository and drill the one `apply` names: the drill must refuse it
   * (exit 2, seen as a failed `backup.use` check), or restore it and fail.
   */
  | { stage: 'repository'; apply(copy: BackupCopy, ctx: FaultContext): Promise<{ injected: string; use: string }> }
  /** Change the restored cluster after the restore, before the checks (the drill's afterRestore seam). */
  | { stage: 'restored'; apply(cluster: Cluster, database: string, ctx: FaultContext): Promise<string> }
  /** Ask the clean backup for a target it cannot reach. */
  | { stage: 'target'; targets: Target[] }
  /** Offer the archive a segment it already holds, with other content; the clean repository is only read. */
  | {
      stage: 'archiving';
      probe(clean: BackupCopy, ctx: FaultContext): Promise<{ injected: string; checks: CheckResult[] }>;
    }
  /** A source of its own, changed before its backup is taken. */
  | {
      stage: 'source';
      drill(base: Scenario, ctx: FaultContext, run: DrillRunner): Promise<{ injected: string; outcome: DrillVerdict }>;
    };

/** One registered fault: a file of src/selftest/faults/ exports it, registry.ts lists it. */
export interface Fault {
  /** Stable name, as `--only` takes it. */
  id: string;
  /** The file of src/selftest/faults/ it lives in. */
  family: string;
  /** What is injected, in words. */
  injects: string;
  /** The check meant to catch it, per backup method it applies to: a check id, or an id prefix ending in ':'. */
  caughtBy: Partial<Record<BackupMethod, string>>;
  /** What that check's message must say for the catch to be this fault's (a check failing for another reason is a finding). */
  reason: RegExp;
  /** Environments it can run in (default: every one). */
  environments?: readonly EnvironmentKind[];
  injection: Injection;
}

/** Whether `fault` applies to `method` in `environment`. */
export function appliesTo(fault: Fault, method: BackupMethod, environment: EnvironmentKind): boolean {
  return fault.caughtBy[method] !== undefined && (fault.environments ?? ['local', 'docker']).includes(environment);
}
