// pg_upgrade rehearsal of a restored, recovered cluster: stop it cleanly, initdb the new major alike, check, upgrade, start.
import { join } from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';
import type { Logger } from '../core/log.ts';
import { timed, type Clock } from '../core/clock.ts';
import { InterruptedError, ToolError, tailLines } from '../core/errors.ts';
import { Cluster, privateTempDir } from '../env/cluster.ts';
import { LocalRuntime } from '../env/local-runtime.ts';
import { PinnedMajorRuntime, majorBinDir } from '../env/pinned-major.ts';
import { freeLoopbackPort } from '../env/port.ts';
import type { Runtime } from '../env/runtime.ts';
import type { CheckResult, Phase, UpgradeSummary } from '../run/result.ts';
import type { UpgradeSpec } from '../scenario/types.ts';
import { upgradeChecks, type UpgradeReport, type UpgradeRun } from '../checks/upgrade-checks.ts';
import { ISOLATION_SETTINGS } from './recovery-config.ts';
import { pgUpgradeArgs, readClusterSettings, upgradeInitdbArgs, type UpgradePaths } from './upgrade-settings.ts';

export interface UpgradeInput {
  spec: UpgradeSpec;
  /** The restored cluster, recovered to its target, promoted and running. */
  restored: Cluster;
  /** The new major's tools, where the restored cluster's are. */
  newRuntime: Runtime;
  jobs: number;
}

export interface UpgradeOutcome {
  /** Where the data checks run: the upgraded cluster, the restored one started again (no upgrade), or none (it failed). */
  cluster: Cluster | null;
  /** Why `cluster` is null. */
  noClusterBecause: string | null;
  checks: CheckResult[];
  phases: Phase[];
  summary: UpgradeSummary;
  /** Remove the new cluster (the restored one is its caller's). */
  dispose(): Promise<void>;
}

/** Stop, initdb, `pg_upgrade --check`, then unless mode check the upgrade and a start of the new cluster. */
export async function rehearseUpgrade(input: UpgradeInput, log: Logger, clock: Clock): Promise<UpgradeOutcome> {
  const { spec, restored, newRuntime } = input;
  const from = restored.runtime.major;
  const summary: UpgradeSummary = {
    from,
    to: newRuntime.major,
    toVersion: newRuntime.version,
    mode: spec.mode,
    performed: false,
  };
  const phases: Phase[] = [];
  const checks: CheckResult[] = [];
  // Step 1: what the new cluster must share with the old, read while it runs; then a clean shutdown (pg_upgrade refuses anything else).
  const settings = await withClient(restored, (client) => readClusterSettings(client, from));
  const prepared = await timed(clock, async () => {
    await restored.stop('fast');
    // A short name: the socket path (dir/sock/.s.PGSQL.<port>) must stay under 108 bytes.
    const dir = await privateTempDir('up', newRuntime);
    const cluster = await Cluster.adopt(newRuntime, dir, restored.connection.user, log, clock);
    try {
      await newRuntime.tool(
        'initdb',
        upgradeInitdbArgs(settings, newRuntime.major, cluster.dataDir, restored.connection.user),
        { asClusterUser: true },
      );
      return cluster;
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
  });
  phases.push({ name: 'upgrade-initdb', durationMs: prepared.durationMs });
  const upgraded = prepared.value;
  const outcome = (cluster: Cluster | null, noClusterBecause: string | null): UpgradeOutcome => ({
    cluster,
    noClusterBecause,
    checks,
    phases,
    summary,
    dispose: () => upgraded.dispose(),
  });
  try {
    const paths: UpgradePaths = {
      oldBin: binDirOf(restored.runtime),
      newBin: binDirOf(newRuntime),
      oldData: restored.dataDir,
      newData: upgraded.dataDir,
      socketDir: upgraded.socketDir,
      superuser: restored.connection.user,
      oldPort: await freeLoopbackPort(),
      newPort: await freeLoopbackPort(),
    };
    const transfer = spec.mode === 'check' ? null : spec.mode;
    // Step 2: pg_upgrade --check (with the transfer mode, so linking or cloning is checked too).
    log.info(`pg_upgrade --check: PostgreSQL ${from} → ${newRuntime.version}`);
    const checked = await runPgUpgrade(newRuntime, paths, { check: true, transfer, jobs: input.jobs });
    phases.push({ name: 'upgrade-check', durationMs: Math.round(checked.durationMs) });
    checks.push(...upgradeChecks(checked));
    if (!checked.ok || spec.mode === 'check') {
      // Nothing was upgraded: the restored cluster is intact, and the data checks run on it.
      await restored.start();
      const why = checked.ok ? 'mode check' : 'pg_upgrade --check refused the cluster';
      checks.push({
        id: 'upgrade:performed',
        kind: 'upgrade',
        status: 'skipped',
        message: `no upgrade was performed (${why}): the checks ran on the restored PostgreSQL ${from} cluster`,
        durationMs: 0,
      });
      return outcome(restored, null);
    }
    // Step 3: the upgrade itself.
    log.info(`pg_upgrade --${spec.mode}: PostgreSQL ${from} → ${newRuntime.version}`);
    const done = await runPgUpgrade(newRuntime, paths, { check: false, transfer, jobs: input.jobs });
    phases.push({ name: 'upgrade', durationMs: Math.round(done.durationMs) });
    checks.push(...upgradeChecks(done));
    if (!done.ok) return outcome(null, `pg_upgrade --${spec.mode} failed, so there is no upgraded cluster to check`);
    summary.performed = true;
    // Step 4: start the upgraded cluster, cut off as the restore was.
    const started = await timed(clock, async () => {
      await upgraded.writeSettings({ ...ISOLATION_SETTINGS });
      try {
        await upgraded.start();
        return null;
      } catch (error) {
        if (error instanceof InterruptedError) throw error;
        return (error as Error).message;
      }
    });
    phases.push({ name: 'upgrade-start', durationMs: started.durationMs });
    if (started.value) {
      checks.push({
        id: 'upgrade:start',
        kind: 'upgrade',
        status: 'failed',
        exactness: 'exact',
        expected: 'running',
        actual: 'did not start',
        message: `the upgraded PostgreSQL ${newRuntime.version} cluster did not start: ${started.value}`,
        durationMs: started.durationMs,
      });
      return outcome(null, 'the upgraded cluster did not start');
    }
    return outcome(upgraded, null);
  } catch (error) {
    await upgraded.dispose();
    throw error;
  }
}

// Run pg_upgrade as the cluster user in a directory it may write (its scripts go to the cwd); failure is data, not an exception.
async function runPgUpgrade(
  runtime: Runtime,
  paths: UpgradePaths,
  options: { check: boolean; transfer: 'copy' | 'link' | 'clone' | null; jobs: number },
): Promise<UpgradeRun> {
  const step = options.check ? 'check' : (options.transfer ?? 'copy');
  const label = options.check ? 'pg_upgrade --check' : `pg_upgrade --${step}`;
  const started = performance.now();
  const cwd = join(paths.newData, '..');
  try {
    const r = await runtime.tool('pg_upgrade', pgUpgradeArgs(paths, options), { asClusterUser: true, cwd, label });
    return {
      step,
      ok: true,
      output: `${r.stdout}\n${r.stderr}`,
      reports: [],
      durationMs: performance.now() - started,
      toVersion: runtime.version,
    };
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    const output = `${error.stdout ?? ''}\n${error.stderr ?? ''}`.trim() || tailLines(error.message);
    return {
      step,
      ok: false,
      output,
      reports: await readReports(paths.newData),
      durationMs: performance.now() - started,
      toVersion: runtime.version,
    };
  }
}

/** Every `*.txt` report pg_upgrade left under `<newdata>/pg_upgrade_output.d` (its logs are `*.log`). */
export async function readReports(newData: string): Promise<UpgradeReport[]> {
  const root = join(newData, 'pg_upgrade_output.d');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const reports: UpgradeReport[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.txt')) continue;
    reports.push({ file: entry.name, text: await readFile(join(entry.parentPath, entry.name), 'utf8') });
  }
  return reports.sort((a, b) => a.file.localeCompare(b.file));
}

// Where a runtime's binaries are: a local installation's directory, or a major's inside a container.
function binDirOf(runtime: Runtime): string {
  if (runtime instanceof LocalRuntime) return runtime.bin.dir;
  if (runtime instanceof PinnedMajorRuntime) return runtime.binDir;
  return majorBinDir(runtime.major);
}

async function withClient<T>(cluster: Cluster, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await cluster.connect('postgres');
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
