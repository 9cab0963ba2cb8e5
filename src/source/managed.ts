// The managed source: a disposable cluster Recoverable starts, loads with fixtures and drives with a workload.
import { Cluster } from '../env/cluster.ts';
import type { Runtime } from '../env/runtime.ts';
import { BackupUnusableError, ToolError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { SourceSpec } from '../scenario/types.ts';
import { runWorkload } from './workload.ts';
import { serverVersion, type Source } from './source.ts';
import { ident } from '../expectations/session.ts';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

type ManagedSpec = Extract<SourceSpec, { kind: 'managed' }>;

/** A managed source also exposes its cluster (physical backups need its data directory). */
export interface ManagedSource extends Source {
  kind: 'managed';
  cluster: Cluster;
}

/** Start the managed source: initdb (checksums), create the database, load fixtures, run the workload. */
export interface ManagedOptions {
  /** Dispose what the source runs in (a container) after the cluster. */
  disposeRuntime?: () => Promise<void>;
  /** Settings that depend on the new cluster's identity (its WAL archive), written before the first start. */
  settings?: (systemIdentifier: string) => Promise<Record<string, string>>;
  /** Make PGDATA and each tablespace a volume of its own (btrfs subvolumes for the btrfs snapshot driver). */
  volume?: (path: string) => Promise<void>;
}

export async function startManagedSource(
  spec: ManagedSpec,
  runtime: Runtime,
  log: Logger,
  options: ManagedOptions = {},
): Promise<ManagedSource> {
  const { settings, volume } = options;
  const cluster = await Cluster.init(
    runtime,
    { dataChecksums: spec.dataChecksums, ...(volume ? { prepareDataDir: volume } : {}) },
    log,
  ).catch(async (error: unknown) => {
    await options.disposeRuntime?.();
    throw error;
  });
  try {
    // Settings that depend on the new cluster's identity (its WAL archive) are written before the first start.
    if (settings) await cluster.writeSettings(await settings(await systemIdentifier(cluster)));
    await cluster.start();
    const admin = await cluster.connect('postgres');
    try {
      await admin.query(`create database ${ident(spec.database)} template template0 encoding 'UTF8' locale 'C.UTF-8'`);
    } finally {
      await admin.end();
    }
    await createTablespaces(cluster, spec.tablespaces, volume);
    for (const fixture of spec.fixtures) {
      log.info({ fixture }, `loading fixture ${fixture}`);
      await loadFixture(cluster, spec.database, fixture);
    }
    const client = await cluster.connect(spec.database);
    let version: { version: string; major: number };
    try {
      // transactions: 0 is how a scenario with fixtures of its own (no shop schema) runs without the workload.
      if (spec.workload.transactions > 0) {
        const summary = await runWorkload(client, {
          seed: spec.workload.seed,
          transactions: spec.workload.transactions,
        });
        log.info(summary, `workload: ${summary.transactions} transactions (seed ${spec.workload.seed})`);
      }
      version = await serverVersion(client);
    } finally {
      await client.end();
    }
    return managedSource(cluster, spec.database, version, options.disposeRuntime);
  } catch (error) {
    await cluster.dispose();
    await options.disposeRuntime?.();
    throw error;
  }
}

// Tablespaces live beside PGDATA (outside it), so a backup has to capture them on their own.
async function createTablespaces(cluster: Cluster, names: string[], volume: ManagedOptions['volume']): Promise<void> {
  if (names.length === 0) return;
  await mkdir(join(cluster.dir, 'tablespaces'), { recursive: true, mode: 0o700 });
  await cluster.runtime.adopt(join(cluster.dir, 'tablespaces'));
  const admin = await cluster.connect('postgres');
  try {
    for (const name of names) {
      const location = join(cluster.dir, 'tablespaces', name);
      if (volume) await volume(location);
      else await mkdir(location, { mode: 0o700 });
      await cluster.runtime.adopt(location);
      await admin.query(`create tablespace ${ident(name)} location '${location.replace(/'/g, "''")}'`);
    }
  } finally {
    await admin.end();
  }
}

/** The cluster's system identifier, from pg_controldata (readable before the server starts). */
export async function systemIdentifier(cluster: Cluster): Promise<string> {
  const { stdout } = await cluster.runtime.tool('pg_controldata', ['-D', cluster.dataDir], {
    asClusterUser: true,
    env: { LC_ALL: 'C' },
  });
  const match = /Database system identifier:\s+(\d+)/.exec(stdout);
  // Cannot happen: pg_controldata of a running cluster always prints it, and LC_ALL=C keeps the label English.
  if (!match) throw new Error('pg_controldata did not print the database system identifier');
  return match[1]!;
}

// Fixtures run with ON_ERROR_STOP: a broken fixture is the scenario's problem, named with psql's words.
async function loadFixture(cluster: Cluster, database: string, file: string): Promise<void> {
  try {
    await cluster.runtime.tool(
      'psql',
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', cluster.conninfo(database), '-f', file],
      { env: cluster.toolEnv(), label: `psql -f ${file}` },
    );
  } catch (error) {
    if (error instanceof ToolError)
      throw new BackupUnusableError(`fixture ${file} failed to load: ${error.stderrTail.trim()}`, {
        cause: error,
        hint: 'fix the SQL in the fixture file',
      });
    throw error;
  }
}

function managedSource(
  cluster: Cluster,
  database: string,
  version: { version: string; major: number },
  disposeRuntime?: () => Promise<void>,
): ManagedSource {
  return {
    kind: 'managed',
    database,
    major: version.major,
    serverVersion: version.version,
    clientConfig: (db = database) => cluster.clientConfig(db),
    conninfo: (db = database) => cluster.conninfo(db),
    toolEnv: () => ({}),
    describe: () =>
      `managed PostgreSQL ${version.version} (${cluster.runtime.kind === 'docker' ? `${cluster.runtime.describe()}, ` : ''}${cluster.dataDir})`,
    dispose: async () => {
      await cluster.dispose();
      await disposeRuntime?.();
    },
    cluster,
  };
}
