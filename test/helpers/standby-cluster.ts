// A streaming standby of a test's own primary, made as an operator makes one: pg_basebackup -R, then started.
import { Cluster, privateTempDir } from '../../src/env/cluster.ts';
import { LocalRuntime } from '../../src/env/local-runtime.ts';
import { requireBinaries } from '../../src/env/binaries.ts';
import { silentLogger } from '../../src/core/log.ts';

/**
 * Start a standby of `primary` (PG 15, streaming over the primary's socket, primary_conninfo written by -R) with
 * `settings` of its own (archive_mode and archive_command are off unless given); returns it and its conninfo.
 * The standby has replayed the primary's current WAL when this returns.
 */
export async function standbyCluster(
  primary: Cluster,
  settings: Record<string, string> = {},
): Promise<{ cluster: Cluster; url: string }> {
  const runtime = new LocalRuntime(requireBinaries(15, ['pg_basebackup', 'pg_ctl', 'postgres']));
  const dir = await privateTempDir('pg15-standby', runtime);
  const standby = await Cluster.adopt(runtime, dir, primary.connection.user, silentLogger());
  try {
    await runtime.tool(
      'pg_basebackup',
      ['-d', primary.conninfo(), '-D', standby.dataDir, '-R', '-X', 'stream', '-c', 'fast'],
      {
        asClusterUser: true,
      },
    );
    // The primary's recoverable.conf came along: this one replaces it (own socket, no archiving unless asked).
    await standby.writeSettings(settings);
    await standby.start();
    await caughtUp(primary, standby);
    return {
      cluster: standby,
      url: `host=${standby.socketDir} port=${standby.connection.port} user=${standby.connection.user} dbname=postgres`,
    };
  } catch (error) {
    await standby.dispose();
    throw error;
  }
}

/** Wait until `standby` has replayed everything `primary` has written so far (30 s at most). */
export async function caughtUp(primary: Cluster, standby: Cluster): Promise<void> {
  const p = await primary.connect();
  const s = await standby.connect();
  try {
    const { rows } = await p.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    const target = rows[0]!.lsn;
    for (let i = 0; i < 300; i++) {
      const r = await s.query<{ done: boolean }>(
        'select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as done',
        [target],
      );
      if (r.rows[0]!.done) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the standby did not replay up to ${target} in 30 s`);
  } finally {
    await p.end();
    await s.end();
  }
}
