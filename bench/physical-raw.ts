// The physical baseline: the work of one basebackup drill to `latest` done by hand with PostgreSQL's own tools.
// Everything runs as the cluster's OS user (what a DBA would do), so no chown is needed anywhere.
import pg from 'pg';
import { join } from 'node:path';
import { appendFile, chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { run } from '../src/core/exec.ts';
import { tool, type PgBin } from '../src/env/binaries.ts';
import { captureExpectations, type Expectations } from '../src/expectations/capture.ts';
import { pinSession } from '../src/expectations/session.ts';
import { confValue } from '../src/restore/recovery-config.ts';
import type { Cluster } from '../src/env/cluster.ts';
import { clusterOsUser } from '../src/core/os-user.ts';
import { freeLoopbackPort } from '../src/env/port.ts';
import { interruption } from '../src/core/interrupt.ts';
import { assertSameTables, DATABASE, type RawTiming } from './raw.ts';

/** A raw basebackup on disk: `<home>/base`, with `home` private to the cluster user. */
export interface RawBackup {
  home: string;
  steps: Record<string, number>;
}

/**
 * `pg_basebackup -Fp -X stream -c fast --manifest-checksums=SHA256` of `source` into `<workDir>/raw/base`;
 * `verified` false is the bare backup, with pg_basebackup's default manifest (CRC-32C) that nothing will read.
 */
export async function rawBasebackup(bin: PgBin, source: Cluster, workDir: string, verified = true): Promise<RawBackup> {
  const user = clusterOsUser();
  const home = join(workDir, 'raw');
  await mkdir(home, { mode: 0o700 });
  await chmod(home, 0o700);
  if (user) await chown(home, user.uid, user.gid);
  const started = performance.now();
  await run(
    tool(bin, 'pg_basebackup'),
    [
      '-d',
      source.conninfo('postgres'),
      '-D',
      join(home, 'base'),
      '-Fp',
      '-X',
      'stream',
      '-c',
      'fast',
      ...(verified ? ['--manifest-checksums=SHA256'] : []),
    ],
    { user },
  );
  return { home, steps: { backup: performance.now() - started } };
}

/** A raw physical round, with how often the server ran restore_command (the drill runs `recoverable fetch-wal` as often). */
export interface PhysicalRawTiming extends RawTiming {
  restoreCalls: number;
  restoredFiles: number;
  /** What the server asked restore_command for, in order (segments, .history probes). */
  asked: string[];
}

/**
 * Verify, copy, recover to the end of the archive (`archiveDir`, read with cp), count and hash the
 * restored database against `expected`, stop, pg_checksums, remove. Steps in the order they ran.
 * `expected` null is the bare restore: copy, recover, stop, remove, with no verification at all.
 */
export async function rawPhysicalRestore(
  bin: PgBin,
  backup: RawBackup,
  archiveDir: string,
  expected: Expectations | null,
): Promise<PhysicalRawTiming> {
  const started = performance.now();
  const steps: Record<string, number> = { ...backup.steps };
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await work();
    steps[name] = performance.now() - started;
    return value;
  };
  const user = clusterOsUser();
  const base = join(backup.home, 'base');
  const dataDir = join(backup.home, 'data');
  const calls = join(backup.home, 'restore-calls.txt');
  const stop = async (mode: 'fast' | 'immediate'): Promise<void> => {
    await run(tool(bin, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '120', 'stop'], { user, cleanup: true });
  };
  const unregister = interruption.onInterrupt(() => stop('immediate').catch(() => undefined));
  let running = false;
  try {
    if (expected) await step('pg_verifybackup', () => run(tool(bin, 'pg_verifybackup'), ['--quiet', base], { user }));
    await step('copy', () => run('cp', ['-a', base, dataDir], { user }));

    // recovery.signal + restore_command from the archive; never archive from the copy (the source's settings came along).
    // Each call is counted (one echo in the shell the server starts anyway), found or not.
    const port = await step('recovery', async () => {
      await appendFile(
        join(dataDir, 'postgresql.auto.conf'),
        [
          `restore_command = ${confValue(`echo %f >> "${calls}"; cp "${archiveDir}/%f" "%p"`)}`,
          "recovery_target_timeline = 'latest'",
          "archive_mode = 'off'",
          '',
        ].join('\n'),
      );
      await writeFile(join(dataDir, 'recovery.signal'), '');
      if (user) await chown(join(dataDir, 'recovery.signal'), user.uid, user.gid);
      const port = await freeLoopbackPort();
      running = true;
      await run(
        tool(bin, 'pg_ctl'),
        [
          '-D',
          dataDir,
          '-l',
          join(backup.home, 'server.log'),
          '-w',
          '-t',
          '1800',
          '-o',
          `-p ${port} -k ${backup.home} -c listen_addresses=127.0.0.1`,
          'start',
        ],
        { user, detached: true },
      );
      // Recovery ends when the archive runs out: the server promotes itself.
      const client = rawClient(backup.home, port, 'postgres');
      await client.connect();
      try {
        while ((await client.query<{ r: boolean }>('select pg_is_in_recovery() as r')).rows[0]!.r)
          await new Promise((r) => setTimeout(r, 100));
      } finally {
        await client.end();
      }
      return port;
    });

    if (expected) {
      await step('checks', async () => {
        const client = rawClient(backup.home, port, DATABASE);
        await client.connect();
        try {
          await pinSession(client);
          assertSameTables(
            expected,
            await captureExpectations(client, { fingerprints: true, largeObjectContent: false }),
          );
        } finally {
          await client.end();
        }
      });
    }
    // Bare, the server is only stopped; verified, it is stopped so pg_checksums can read every page.
    await step(expected ? 'checksums' : 'stop', async () => {
      await stop('fast');
      running = false;
      if (expected) await run(tool(bin, 'pg_checksums'), ['--check', '-D', dataDir], { user });
    });
    await step('dispose', () => rm(dataDir, { recursive: true, force: true, maxRetries: 3 }));
  } finally {
    unregister();
    if (running) await stop('immediate').catch(() => undefined);
  }
  const totalMs = (steps.backup ?? 0) + performance.now() - started;
  const asked = (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const restoredFiles = (
    (await readFile(join(backup.home, 'server.log'), 'utf8').catch(() => '')).match(/restored log file/g) ?? []
  ).length;
  // The backup itself is thrown away untimed, as the bench throws away the drill's repository.
  await rm(backup.home, { recursive: true, force: true, maxRetries: 3 });
  return { totalMs, steps, restoreCalls: asked.length, restoredFiles, asked };
}

function rawClient(socketDir: string, port: number, database: string): pg.Client {
  const client = new pg.Client({ host: socketDir, port, user: 'postgres', database });
  client.on('error', () => undefined); // a server stopped by Ctrl-C must not crash the cleanup
  return client;
}
