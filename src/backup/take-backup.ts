// A new backup of the scenario's source, by its method: the `backup` command's, and a drill's without `backup.use`.
import type { Scenario } from '../scenario/types.ts';
import type { Logger } from '../core/log.ts';
import type { Clock } from '../core/clock.ts';
import { discoverBinaries, requireBinaries, type PgBin } from '../env/binaries.ts';
import { EnvironmentError, ScenarioError } from '../core/errors.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import type { ManagedSource } from '../source/managed.ts';
import { LocalRuntime } from '../env/local-runtime.ts';
import { openEnvironment } from '../env/environment.ts';
import type { Runtime } from '../env/runtime.ts';
import { openUrlSource } from '../source/url.ts';
import type { Source } from '../source/source.ts';
import { takeBasebackup } from './basebackup.ts';
import { backupToolRuntime, socketDirectories } from './tool-runtime.ts';
import { DUMP_TOOLS } from './tools.ts';
import { dumpImage, dumpMajor } from '../scenario/images.ts';

// Each method's own steps (a dump's expectations capture, a managed source's cluster, a snapshot's drivers) are
// imported when that method runs: a backup loads only what it takes.

/** pg_dump must be at least the server's major: the installed one closest to `wanted` (the restore's major) that qualifies. */
function dumpBinaries(sourceMajor: number, wanted: number): PgBin {
  const usable = discoverBinaries()
    .filter((b) => b.major >= sourceMajor)
    .sort((a, b) => Math.abs(a.major - wanted) - Math.abs(b.major - wanted));
  const bin = usable[0];
  if (!bin) {
    throw new EnvironmentError(
      'binaries-missing',
      `pg_dump ${sourceMajor} or newer is needed to dump a PostgreSQL ${sourceMajor} server`,
      {
        hint: `install postgresql-client-${sourceMajor} (or newer), or set RECOVERABLE_PG_BIN`,
      },
    );
  }
  return requireBinaries(bin.major, DUMP_TOOLS);
}

// pg_dump of the major dumpMajor chooses (scenario/images.ts): a rehearsal of a newer major dumps with its own pg_dump.
async function dumpRuntime(
  scenario: Scenario,
  source: Source,
  repo: LocalRepository,
  log: Logger,
): Promise<{ runtime: Runtime; dispose: () => Promise<void> }> {
  const wanted = dumpMajor(scenario, source.major);
  if (scenario.restore.environment === 'docker' && wanted > source.major) {
    const socket = scenario.source.kind === 'managed' ? (source as ManagedSource).cluster.socketDir : null;
    const mounts = [{ path: repo.root, readOnly: false }, ...(socket ? [{ path: socket, readOnly: false }] : [])];
    // The image the restore into that major runs in, as the drill plan lists it.
    const image = dumpImage(scenario, source.major);
    log.info(`dumping with pg_dump ${wanted} from ${image}, as an upgrade to ${wanted} would`);
    const environment = await openEnvironment(
      { kind: 'docker', version: wanted, image, mounts, tools: DUMP_TOOLS, runLabel: `dump-${process.pid}` },
      log,
    );
    return { runtime: environment.runtime, dispose: () => environment.dispose() };
  }
  // The managed source's own runtime has its major's pg_dump (in its container, when it runs in one).
  if (source.kind === 'managed' && wanted === source.major)
    return { runtime: (source as ManagedSource).cluster.runtime, dispose: async () => {} };
  if (scenario.source.kind === 'url')
    return urlToolRuntime(scenario.source.url, source.major, wanted, DUMP_TOOLS, repo, log);
  return { runtime: new LocalRuntime(dumpBinaries(source.major, wanted)), dispose: async () => {} };
}

// A url source's tools: this machine's when new enough, else a container's on the host network (repository and sockets mounted).
async function urlToolRuntime(
  url: string,
  sourceMajor: number,
  wanted: number,
  tools: readonly string[],
  repo: LocalRepository,
  log: Logger,
): Promise<{ runtime: Runtime; dispose: () => Promise<void> }> {
  const mounts = [
    { path: repo.root, readOnly: false },
    ...socketDirectories(url).map((path) => ({ path, readOnly: false })),
  ];
  const chosen = await backupToolRuntime(
    { sourceMajor, wanted, tools, mounts, runLabel: `backup-${process.pid}` },
    log,
  );
  log.debug(`backup tools: ${chosen.describe}`);
  return { runtime: chosen.runtime, dispose: () => chosen.dispose() };
}

/** Start or open the scenario's source. */
export async function openSource(scenario: Scenario, repo: LocalRepository, log: Logger): Promise<Source> {
  if (scenario.source.kind === 'managed') {
    const [{ managedRuntime }, { startManagedSource }] = await Promise.all([
      import('./managed/runtime.ts'),
      import('../source/managed.ts'),
    ]);
    const { runtime, dispose } = await managedRuntime(scenario, repo, DUMP_TOOLS, log);
    log.info(`starting managed PostgreSQL ${runtime.version} source (${runtime.kind})`);
    return startManagedSource(scenario.source, runtime, log, { disposeRuntime: dispose });
  }
  return openUrlSource(scenario.source.url);
}

/** Take a new backup of the scenario's source (the `backup` command and drills without `backup.use`). */
export async function takeBackup(
  scenario: Scenario,
  repo: LocalRepository,
  log: Logger,
  clock: Clock,
): Promise<StoredBackup> {
  if (scenario.backup.method === 'external') {
    const fix = `run recoverable drill ${scenario.path}: it restores your tool's backup and checks it`;
    throw new ScenarioError(
      'backup.method external: recoverable backup does not take external backups (your tool, pgBackRest or Barman say, takes them)',
      [{ path: 'backup.method', problem: 'recoverable backup does not take external backups', fix }],
      { hint: fix },
    );
  }
  if (scenario.backup.method === 'snapshot') {
    if (scenario.source.kind === 'managed')
      return (await import('./managed/snapshot.ts')).takeManagedSnapshot(scenario, repo, log, clock);
    return takeUrlSnapshot(scenario, repo, log, clock);
  }
  if (scenario.backup.method === 'basebackup') {
    if (scenario.source.kind === 'managed')
      return (await import('./managed/basebackup.ts')).takeManagedBasebackup(scenario, repo, log, clock);
    return takeUrlBasebackup(scenario, repo, log, clock);
  }
  const { takeDumpBackup } = await import('./dump.ts');
  const source = await openSource(scenario, repo, log);
  try {
    const fingerprints =
      scenario.checks.some((c) => c.kind === 'fingerprints') ||
      scenario.restore.targets.some((t) => t.checks.some((c) => c.kind === 'fingerprints'));
    const dumper = await dumpRuntime(scenario, source, repo, log);
    try {
      return await takeDumpBackup(
        source,
        dumper.runtime,
        repo,
        { scenario: scenario.name, jobs: scenario.backup.jobs, fingerprints },
        log,
        clock,
      );
    } finally {
      await dumper.dispose();
    }
  } finally {
    await source.dispose();
  }
}

// A real server's basebackup: its archive_command must feed the repository (or the scenario names a restoreCommand).
async function takeUrlBasebackup(
  scenario: Scenario,
  repo: LocalRepository,
  log: Logger,
  clock: Clock,
): Promise<StoredBackup> {
  const source = await openSource(scenario, repo, log);
  try {
    const url = scenario.source.kind === 'url' ? scenario.source.url : '';
    const tools = await urlToolRuntime(url, source.major, source.major, ['pg_basebackup'], repo, log);
    try {
      const external = scenario.source.kind === 'url' && scenario.source.restoreCommand !== undefined;
      return await takeBasebackup(
        source,
        tools.runtime,
        repo,
        {
          scenario: scenario.name,
          expectations: null,
          archiveTimeoutMs: external ? null : scenario.backup.archiveTimeoutMs,
          incremental: scenario.backup.incremental ?? false,
        },
        log,
        clock,
      );
    } finally {
      await tools.dispose();
    }
  } finally {
    await source.dispose();
  }
}

// A real server's snapshot: the scenario's commands (or a built-in driver on this host) between start and stop.
async function takeUrlSnapshot(
  scenario: Scenario,
  repo: LocalRepository,
  log: Logger,
  clock: Clock,
): Promise<StoredBackup> {
  const snap = scenario.backup.snapshot!;
  const [{ takeSnapshotBackup }, { snapshotDriver }] = await Promise.all([
    import('./snapshot/take.ts'),
    import('./snapshot/drivers.ts'),
  ]);
  const source = await openSource(scenario, repo, log);
  try {
    const external = scenario.source.kind === 'url' && scenario.source.restoreCommand !== undefined;
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
        archiveTimeoutMs: external ? null : scenario.backup.archiveTimeoutMs,
      },
      log,
      clock,
    );
  } finally {
    await source.dispose();
  }
}
