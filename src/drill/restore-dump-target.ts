// One restore of a dump backup into a fresh local environment, with its checks.
import { fail, pass } from '../run/check.ts';
import type { Logger } from '../core/log.ts';
import { timed, type Clock } from '../core/clock.ts';
import { BackupUnusableError } from '../core/errors.ts';
import { Cluster } from '../env/cluster.ts';
import { openEnvironment } from '../env/environment.ts';
import { scoped, settleRestore } from './restore-shape.ts';
import { RESTORE_TOOLS } from './plan.ts';
import type { StoredBackup, LocalRepository } from '../repository/local-repository.ts';
import type { DumpBackupRecord } from '../repository/backup-record.ts';
import type { CheckResult, Phase, RestoreResult } from '../run/result.ts';
import type { CheckSpec, Target } from '../scenario/types.ts';
import { restoreDump, type DumpRestoreOptions } from '../restore/dump-restore.ts';
import { runRestoreChecks } from '../checks/run-checks.ts';
import { containerIsolationCheck } from '../checks/isolation.ts';
import { optedOut, restoreStepCheck } from '../checks/dump-restore.ts';
import { readTablespaceLocations, tablespaceLocationsCheck } from '../checks/tablespace-locations.ts';
import { PASSWORDS_NOT_DUMPED, passwordsUnknown } from '../expectations/roles-compare.ts';

/** Test seam: runs after the restore and before the checks (fault injection). */
export type AfterRestoreHook = (cluster: Cluster, database: string) => Promise<void>;

export interface DumpTargetInput {
  repo: LocalRepository;
  /** Where to restore: local binaries or a container image (default postgres:<version>). */
  environment: { kind: 'local' | 'docker'; image?: string; runLabel: string };
  backup: StoredBackup<DumpBackupRecord>;
  /** The backup's files as the restore reads them: the repository's, or a decrypted copy. */
  files: StoredBackup<DumpBackupRecord>;
  /** Directories the environment must see besides the repository (a decrypted copy). */
  mounts: Array<{ path: string; readOnly: boolean }>;
  target: Target;
  version: number;
  checks: readonly CheckSpec[];
  options: DumpRestoreOptions;
  /** Phases already spent for every restore (fetch/verify), counted in each restore's RTO. */
  sharedPhases: Phase[];
  afterRestore?: AfterRestoreHook;
}

/** Restore, check, dispose: the environment is gone when this returns or throws. */
export async function restoreDumpTarget(input: DumpTargetInput, log: Logger, clock: Clock): Promise<RestoreResult> {
  const { backup, target, version } = input;
  const phases: Phase[] = [...input.sharedPhases];
  const checks: CheckResult[] = [];
  const result: RestoreResult = {
    target: target.label,
    environment: { kind: 'local', version },
    reached: {
      kind: 'immediate',
      proof: `pg_dump snapshot ${backup.record.dump.snapshot} taken ${backup.record.startedAt}: a dump restores exactly to the snapshot it was taken in`,
    },
    phases,
    checks,
  };
  // Step 1: a fresh disposable cluster of the target major, here or in a container (a missing engine or image: exit 3).
  const started = clock.now();
  await using environment = scoped(
    await openEnvironment(
      {
        ...input.environment,
        version,
        mounts: [{ path: input.repo.root, readOnly: true }, ...input.mounts],
        tools: RESTORE_TOOLS,
      },
      log,
    ),
  );
  result.environment = environment.summary;
  await using cluster = await Cluster.init(environment.runtime, { dataChecksums: true }, log);
  return await settleRestore(
    result,
    async () => {
      await cluster.start();
      phases.push({ name: 'environment', durationMs: Math.round(clock.now() - started) });
      // Step 2: globals, pg_restore, analyze.
      // Read (and checked against the manifest) once: the restore needs the source's bootstrap name, the checks the rest.
      const stored = input.repo.readExpectations(backup);
      stored.catch(() => undefined); // its failure is the checks' to report, after the restore
      const sourceBootstrap = bootstrapOf(await stored.catch(() => null));
      const restored = await restoreDump(input.files, cluster, { ...input.options, sourceBootstrap }, log, clock);
      phases.push(...restored.phases);
      // What pg_restore warned about, and what the server itself logged as a warning while restoring.
      const serverWarnings = (await cluster.readLog())
        .split('\n')
        .filter((l) => /\bWARNING:/.test(l))
        .map((l) => l.replace(/^.*?WARNING:\s+/, 'server: '));
      if (restored.warnings.length + serverWarnings.length) result.warnings = [...restored.warnings, ...serverWarnings];
      checks.push(
        restoreStepCheck(
          'restore:globals',
          'roles and tablespaces (pg_dumpall --globals-only) restored',
          restored.globalsErrors,
        ),
      );
      checks.push(
        restoreStepCheck('restore:pg_restore', `pg_restore completed without errors`, restored.restoreErrors),
      );
      const dumpWarnings = backup.record.dump.warnings ?? [];
      if (dumpWarnings.length) {
        result.warnings = [...(result.warnings ?? []), ...dumpWarnings.map((w) => `when the backup was taken, ${w}`)];
        checks.push(dumpLeftOutCheck(dumpWarnings));
      }
      if (input.afterRestore) await input.afterRestore(cluster, restored.database);
      // Step 3: tablespaces in this environment's own directory, then the checks against the backup's expectations.
      const tablespaces = await readTablespaceLocations(cluster);
      if (restored.tablespaces.length || tablespaces.length)
        checks.push(tablespaceLocationsCheck(cluster.dir, restored.tablespaces, tablespaces));
      const expected = await stored;
      if (!expected) throw new BackupUnusableError(`backup ${backup.record.id} has no expectations to compare with`);
      if (passwordsUnknown(expected.expectations.roles))
        result.warnings = [...(result.warnings ?? []), PASSWORDS_NOT_DUMPED];
      log.info(`checking ${restored.database}: ${input.checks.map((c) => c.kind).join(', ')}`);
      const checked = await timed(clock, () =>
        runRestoreChecks(
          {
            cluster,
            database: restored.database,
            expected: expected.expectations,
            exactness: expected.exactness,
            physical: false,
            jobs: input.options.jobs,
            log,
            notRestored: { owners: input.options.noOwner, privileges: input.options.noPrivileges },
          },
          input.checks,
        ),
      );
      checks.push(...checked.value.map((c) => optedOut(c, input.options)));
      // Last, so no check runs beside a probe: a container restore must not reach this host.
      const isolation = await containerIsolationCheck(cluster, result.environment);
      if (isolation) checks.push(isolation);
      phases.push({ name: 'checks', durationMs: checked.durationMs });
      return result;
    },
    result,
  );
}

// The source's bootstrap superuser as the backup's expectations name it (none: expectations missing or of an older kind).
function bootstrapOf(stored: { expectations: { roles: readonly unknown[] } } | null): string | null {
  const roles: readonly unknown[] = stored?.expectations.roles ?? [];
  const bootstrap = roles.find(
    (r): r is { name: string; bootstrap: true } =>
      typeof r === 'object' && r !== null && 'bootstrap' in r && r.bootstrap === true,
  );
  return bootstrap?.name ?? null;
}

/**
 * What pg_dump said it did not dump (subscriptions for a backup role that is not a superuser, ...): the restore cannot
 * have it, so the backup fails naming it. Its other warnings are reported, not judged.
 */
export function dumpLeftOutCheck(warnings: readonly string[]): CheckResult {
  const leftOut = warnings.filter((w) => /\bnot dumped\b/.test(w));
  return leftOut.length
    ? fail(
        'backup',
        'backup:pg_dump-left-out',
        'exact',
        'everything dumped',
        leftOut,
        `the dump left out what the source has: ${leftOut.join('; ')}`,
        0,
      )
    : pass(
        'backup',
        'backup:pg_dump-left-out',
        'exact',
        'everything dumped',
        'everything dumped',
        `pg_dump left nothing out (its warnings: ${warnings.join('; ')})`,
        0,
      );
}
