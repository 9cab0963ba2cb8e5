// The baseline: the work of one dump drill done with PostgreSQL's own tools, each step timed (a failing tool throws).
import pg from 'pg';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { run } from '../src/core/exec.ts';
import { tool, type PgBin } from '../src/env/binaries.ts';
import { captureExpectations, type Expectations } from '../src/expectations/capture.ts';
import { pinSession } from '../src/expectations/session.ts';
import { privateTempDir, type Cluster } from '../src/env/cluster.ts';
import { LocalRuntime } from '../src/env/local-runtime.ts';
import { clusterOsUser } from '../src/core/os-user.ts';
import { freeLoopbackPort } from '../src/env/port.ts';
import { interruption } from '../src/core/interrupt.ts';

/** Milliseconds per step, in the order they ran, and the whole. */
export interface RawTiming {
  totalMs: number;
  steps: Record<string, number>;
}

export const DATABASE = 'bench';

/**
 * One raw round: dump `source` into `workDir`, restore into a fresh cluster, count and hash both sides.
 * `verify` false is the bare restore: no snapshot expectations, no ANALYZE, no counts or fingerprints.
 */
export async function rawRound(
  bin: PgBin,
  source: Cluster,
  workDir: string,
  jobs: number,
  verify = true,
): Promise<RawTiming> {
  const steps: Record<string, number> = {};
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await work();
    steps[name] = performance.now() - started;
    return value;
  };
  const started = performance.now();
  const dumpDir = join(workDir, 'db.dump');
  const globalsFile = join(workDir, 'globals.sql');

  // (a) snapshot, counts + fingerprints in it, globals and pg_dump side by side (bare: globals and pg_dump alone).
  const expected = await step('backup', async () => {
    if (!verify) {
      await Promise.all([
        run(tool(bin, 'pg_dumpall'), ['--globals-only', '-d', source.conninfo('postgres'), '-f', globalsFile]),
        run(tool(bin, 'pg_dump'), ['-Fd', '-j', String(jobs), '-d', source.conninfo(DATABASE), '-f', dumpDir]),
      ]);
      return null;
    }
    const client = new pg.Client(source.clientConfig(DATABASE));
    client.on('error', () => undefined); // a server stopped by Ctrl-C must not crash the cleanup
    await client.connect();
    try {
      await client.query('begin isolation level repeatable read read only');
      await pinSession(client);
      const snapshot = (await client.query<{ s: string }>('select pg_export_snapshot() as s')).rows[0]!.s;
      const [, , expectations] = await Promise.all([
        run(tool(bin, 'pg_dumpall'), ['--globals-only', '-d', source.conninfo('postgres'), '-f', globalsFile]),
        run(tool(bin, 'pg_dump'), [
          '-Fd',
          '-j',
          String(jobs),
          `--snapshot=${snapshot}`,
          '-d',
          source.conninfo(DATABASE),
          '-f',
          dumpDir,
        ]),
        captureExpectations(client, { fingerprints: true, largeObjectContent: true }),
      ]);
      await client.query('commit');
      return expectations;
    } finally {
      await client.end();
    }
  });

  // (b) a disposable cluster (initdb + start, same initdb options as the drill's environment), then restore.
  const user = clusterOsUser();
  const dir = await privateTempDir('bench-raw', new LocalRuntime(bin));
  const dataDir = join(dir, 'data');
  const stop = async (): Promise<void> => {
    await run(tool(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { user, cleanup: true }).catch(
      () => undefined,
    );
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  const unregister = interruption.onInterrupt(stop);
  try {
    const port = await step('environment', async () => {
      await run(
        tool(bin, 'initdb'),
        [
          '-D',
          dataDir,
          '-U',
          'postgres',
          '--auth=trust',
          '-E',
          'UTF8',
          '--locale=C.UTF-8',
          '--no-sync',
          '--data-checksums',
        ],
        { user },
      );
      const port = await freeLoopbackPort();
      await run(
        tool(bin, 'pg_ctl'),
        [
          '-D',
          dataDir,
          '-l',
          join(dir, 'server.log'),
          '-w',
          '-o',
          `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
          'start',
        ],
        { user, detached: true },
      );
      return port;
    });
    const conninfo = (db: string): string => `host=${dir} port=${port} user=postgres dbname=${db}`;
    await step('restore globals', () =>
      run(tool(bin, 'psql'), ['-X', '-q', '-d', conninfo('postgres'), '-f', globalsFile]),
    );
    await step('createdb', () =>
      run(tool(bin, 'createdb'), [
        `--maintenance-db=${conninfo('postgres')}`,
        '-T',
        'template0',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        DATABASE,
      ]),
    );
    await step('pg_restore', () =>
      run(tool(bin, 'pg_restore'), ['-j', String(jobs), '-d', conninfo(DATABASE), dumpDir]),
    );
    // The bare restore ends here; the verified one analyzes, then (c) counts and hashes and compares.
    if (expected) {
      await step('analyze', () => run(tool(bin, 'psql'), ['-X', '-q', '-d', conninfo(DATABASE), '-c', 'ANALYZE']));
      await step('checks', async () => {
        const client = new pg.Client({ host: dir, port, user: 'postgres', database: DATABASE });
        client.on('error', () => undefined);
        await client.connect();
        try {
          await pinSession(client);
          const actual = await captureExpectations(client, { fingerprints: true, largeObjectContent: false });
          assertSameTables(expected, actual);
        } finally {
          await client.end();
        }
      });
    }
    await step('dispose', stop);
  } finally {
    unregister();
    await stop();
  }
  return { totalMs: performance.now() - started, steps };
}

// The raw path must do the whole job: a mismatch means the baseline is wrong, not fast (the physical raw side uses it too).
export function assertSameTables(expected: Expectations, actual: Expectations): void {
  const key = (e: Expectations): string =>
    JSON.stringify(e.tables.map((t) => [t.schema, t.name, t.rows, t.fingerprint]));
  if (key(expected) !== key(actual)) throw new Error('raw restore: row counts or fingerprints differ from the source');
}
