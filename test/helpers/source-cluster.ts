// A PostgreSQL server the test owns, used as a `url` source (a real server Recoverable does not manage).
import { Cluster } from '../../src/env/cluster.ts';
import { LocalRuntime } from '../../src/env/local-runtime.ts';
import { requireBinaries } from '../../src/env/binaries.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemIdentifier } from '../../src/source/managed.ts';
import { archiveCommand, prepareArchiveDir } from '../../src/source/archive-command.ts';
import { confValue } from '../../src/restore/recovery-config.ts';

/** Start a PG 15 server archiving into `repository` (encrypted with `keyFile`, or running `archiveCommand` instead); returns it and its conninfo. */
export async function sourceCluster(
  repository: string,
  options: { archiveCommand?: string; keyFile?: string } = {},
): Promise<{ cluster: Cluster; url: string }> {
  const cluster = await Cluster.init(
    new LocalRuntime(requireBinaries(15, ['initdb', 'pg_ctl', 'postgres'])),
    { dataChecksums: true },
    silentLogger(),
  );
  const system = await systemIdentifier(cluster);
  await prepareArchiveDir(repository, system, cluster.runtime);
  await cluster.writeSettings({
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: confValue(options.archiveCommand ?? archiveCommand(repository, system, options.keyFile)),
  });
  await cluster.start();
  return { cluster, url: `host=${cluster.socketDir} port=${cluster.connection.port} user=postgres dbname=postgres` };
}
