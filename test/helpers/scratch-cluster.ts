// A PostgreSQL 15 cluster in a private temporary root, for tests that dump one database and restore it into another.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../src/env/cluster.ts';
import { LocalRuntime } from '../../src/env/local-runtime.ts';
import { requireBinaries } from '../../src/env/binaries.ts';
import { silentLogger } from '../../src/core/log.ts';
import { pinnedToolEnv } from '../../src/expectations/session.ts';

export interface ScratchCluster {
  root: string;
  cluster: Cluster;
  /** pg_dump -Fd `from`, then pg_restore into `to` (created empty), as a dump drill restores. */
  dumpAndRestore(from: string, to: string): Promise<void>;
  dispose(): Promise<void>;
}

/** Start a cluster whose temporary directories (and RECOVERABLE_WORK_DIR) live under a fresh root named `prefix`. */
export async function scratchCluster(prefix: string): Promise<ScratchCluster> {
  const root = await mkdtemp(join(tmpdir(), `recoverable-${prefix}-`));
  await chmod(root, 0o755);
  process.env.RECOVERABLE_WORK_DIR = root;
  const cluster = await Cluster.init(
    new LocalRuntime(requireBinaries(15, ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_dump', 'pg_restore'])),
    { dataChecksums: false },
    silentLogger(),
  );
  await cluster.start();
  return {
    root,
    cluster,
    async dumpAndRestore(from, to) {
      const dump = join(root, `dump-${from}`);
      await cluster.runtime.tool('pg_dump', ['-Fd', '-d', cluster.conninfo(from), '-f', dump]);
      const admin = await cluster.connect('postgres');
      try {
        await admin.query(`create database ${to}`);
      } finally {
        await admin.end();
      }
      await cluster.runtime.tool('pg_restore', ['-d', cluster.conninfo(to), dump], { env: pinnedToolEnv() });
    },
    async dispose() {
      await cluster.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}
