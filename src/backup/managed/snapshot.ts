// A snapshot backup of the managed source: volumes captured while the workload writes, then marked batches.
import type { Scenario } from '../../scenario/types.ts';
import type { Logger } from '../../core/log.ts';
import type { Clock } from '../../core/clock.ts';
import { run } from '../../core/exec.ts';
import { pgClient } from '../../core/pg-client.ts';
import { managedRuntime } from './runtime.ts';
import type { LocalRepository, StoredBackup } from '../../repository/local-repository.ts';
import { startManagedSource } from '../../source/managed.ts';
import { ensureMarkerTable } from '../../source/markers.ts';
import { runWorkload } from '../../source/workload.ts';
import { pinSession } from '../../expectations/session.ts';
import { snapshotDriver } from '../snapshot/drivers.ts';
import { takeSnapshotBackup } from '../snapshot/take.ts';
import { archiving, capture, recordHistory } from './basebackup.ts';

/** Start the managed source (btrfs subvolumes for the btrfs driver), snapshot it under load, record markers. */
export async function takeManagedSnapshot(
  scenario: Scenario,
  repo: LocalRepository,
  log: Logger,
  clock: Clock,
): Promise<StoredBackup> {
  const spec = scenario.source;
  const snap = scenario.backup.snapshot;
  // Cannot happen: takeBackup calls this only for a managed source with method snapshot, which always has backup.snapshot.
  if (spec.kind !== 'managed' || !snap)
    throw new Error('takeManagedSnapshot needs a managed source and backup.snapshot');
  const { runtime, dispose } = await managedRuntime(scenario, repo, ['pg_controldata'], log);
  const btrfs = 'driver' in snap && snap.driver === 'btrfs';
  log.info(
    `starting managed PostgreSQL ${runtime.version} source (${runtime.kind})${btrfs ? ' on btrfs subvolumes' : ''}, archiving into ${repo.root}`,
  );
  const source = await startManagedSource(spec, runtime, log, {
    settings: archiving(repo, runtime),
    disposeRuntime: dispose,
    ...(btrfs
      ? {
          volume: async (path: string) =>
            void (await run('btrfs', ['subvolume', 'create', path], { label: 'btrfs subvolume create' })),
        }
      : {}),
  });
  const client = pgClient(source.clientConfig());
  const writer = pgClient(source.clientConfig());
  try {
    await client.connect();
    await writer.connect();
    await pinSession(client);
    await ensureMarkerTable(client);
    const perBatch = Math.max(20, Math.floor(spec.workload.transactions / 10));
    // The marked batches run before the backup is committed: it becomes visible with its history, or not at all.
    return await takeSnapshotBackup(
      source,
      repo,
      {
        scenario: scenario.name,
        driver: snapshotDriver(snap),
        ...('command' in snap
          ? {
              restoreCommand: snap.restoreCommand,
              ...(snap.deleteCommand ? { deleteCommand: snap.deleteCommand } : {}),
            }
          : {}),
        timeoutMs: snap.timeoutMs,
        allowStandby: snap.allowStandby,
        // The workload keeps writing while the volumes are captured: backup recovery must make that consistent.
        during: async () =>
          void (await runWorkload(writer, { seed: spec.workload.seed + 100, transactions: perBatch })),
        beforeStop: () => capture(client),
        archiveTimeoutMs: scenario.backup.archiveTimeoutMs,
        afterBackup: (backup) => recordHistory(client, backup, spec.workload, repo, log, clock),
      },
      log,
      clock,
    );
  } finally {
    await writer.end().catch(() => undefined);
    await client.end().catch(() => undefined);
    await source.dispose();
  }
}
