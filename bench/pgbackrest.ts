// The peer: pgBackRest (Debian's package) backs up the same source and restores it, as a DBA would run it by hand.
// Timed: `pgbackrest backup --type=full`, `pgbackrest restore` into an empty directory, start and replay to the end of
// its archive (the server promotes itself), stop, remove. Untimed, as for every side: stanza-create, the transactions
// after the backup. Uncompressed with 2 processes, to compare like with pg_basebackup -Fp on 2 cores.
import pg from 'pg';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cluster } from '../src/env/cluster.ts';
import { tool, type PgBin } from '../src/env/binaries.ts';
import { run } from '../src/core/exec.ts';
import { clusterOsUser } from '../src/core/os-user.ts';
import { freeLoopbackPort } from '../src/env/port.ts';
import { interruption } from '../src/core/interrupt.ts';
import type { RawTiming } from './raw.ts';
import { archiveWith, writeAfterBackup } from './source-wal.ts';

const STANZA = 'bench';

/** How to get pgBackRest on this machine when it is missing. */
export const PGBACKREST_INSTALL = 'apt-get install -y pgbackrest';

/** pgBackRest's version line, or null when it is not installed. */
export async function pgbackrestVersion(): Promise<string | null> {
  try {
    return (await run('pgbackrest', ['version'])).stdout.trim();
  } catch {
    return null;
  }
}

/** The options the header of the section prints, so the figures say what was run. */
export const PGBACKREST_OPTIONS = 'compress-type=none, process-max=2, start-fast=y';

/** One pgBackRest round against `source` in `dir`: backup, transactions (untimed), restore and recovery, timed by step. */
export async function pgbackrestRound(
  bin: PgBin,
  source: Cluster,
  dir: string,
  transactions: number,
): Promise<RawTiming> {
  const user = clusterOsUser();
  const home = join(dir, 'pgbackrest');
  for (const sub of ['', 'repo', 'lock', 'data']) {
    await mkdir(join(home, sub), { mode: 0o700 });
    if (user) await chown(join(home, sub), user.uid, user.gid);
  }
  const config = join(home, 'pgbackrest.conf');
  await writeFile(
    config,
    [
      '[global]',
      `repo1-path=${join(home, 'repo')}`,
      `lock-path=${join(home, 'lock')}`,
      'log-level-console=warn',
      'log-level-file=off',
      ...PGBACKREST_OPTIONS.split(', '),
      `[${STANZA}]`,
      `pg1-path=${source.dataDir}`,
      `pg1-socket-path=${source.socketDir}`,
      `pg1-port=${source.connection.port}`,
      'pg1-user=postgres',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  if (user) await chown(config, user.uid, user.gid);
  const pgbackrest = (args: string[]) =>
    run('pgbackrest', [`--config=${config}`, `--stanza=${STANZA}`, ...args], { user, label: `pgbackrest ${args[0]}` });

  await archiveWith(source, `pgbackrest --config=${config} --stanza=${STANZA} archive-push %p`);
  await pgbackrest(['stanza-create']);
  const steps: Record<string, number> = {};
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await work();
    steps[name] = performance.now() - started;
    return value;
  };
  await step('backup', () => pgbackrest(['--type=full', 'backup']));
  await writeAfterBackup(bin, source, transactions);

  const started = performance.now();
  const dataDir = join(home, 'data');
  const stop = (mode: 'fast' | 'immediate') =>
    run(tool(bin, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '120', 'stop'], { user, cleanup: true });
  const unregister = interruption.onInterrupt(() =>
    stop('immediate').then(
      () => undefined,
      () => undefined,
    ),
  );
  let running = false;
  try {
    // Never archive from the copy into the stanza the source archives to.
    await step('restore', () => pgbackrest([`--pg1-path=${dataDir}`, '--archive-mode=off', 'restore']));
    await step('recovery', async () => {
      const port = await freeLoopbackPort();
      running = true;
      await run(
        tool(bin, 'pg_ctl'),
        [
          '-D',
          dataDir,
          '-l',
          join(home, 'server.log'),
          '-w',
          '-t',
          '1800',
          '-o',
          `-p ${port} -k ${home} -c listen_addresses=127.0.0.1`,
          'start',
        ],
        { user, detached: true },
      );
      const client = new pg.Client({ host: home, port, user: 'postgres', database: 'postgres' });
      client.on('error', () => undefined); // a server stopped by Ctrl-C must not crash the cleanup
      await client.connect();
      try {
        while ((await client.query<{ r: boolean }>('select pg_is_in_recovery() as r')).rows[0]!.r)
          await new Promise((r) => setTimeout(r, 100));
      } finally {
        await client.end();
      }
    });
    await step('stop', async () => {
      await stop('fast');
      running = false;
    });
    await step('dispose', () => rm(dataDir, { recursive: true, force: true, maxRetries: 3 }));
  } finally {
    unregister();
    if (running) await stop('immediate').catch(() => undefined);
  }
  return { totalMs: (steps.backup ?? 0) + performance.now() - started, steps };
}
