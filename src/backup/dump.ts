// Dump backup: globals plus pg_dump -Fd inside an exported snapshot, with expectations from that snapshot.
import type pg from 'pg';
import { pgClient } from '../core/pg-client.ts';
import { MissingGrantError, ToolError } from '../core/errors.ts';
import { dumpGrantFor } from '../source/missing-grant.ts';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { timeId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import type { Clock } from '../core/clock.ts';
import type { Runtime } from '../env/runtime.ts';
import type { Source } from '../source/source.ts';
import type { LocalRepository, StoredBackup } from '../repository/local-repository.ts';
import { EXPECTATIONS_FILE, type StoredExpectations } from '../repository/backup-record.ts';
import { captureExpectations, captureSequences } from '../expectations/capture.ts';
import { markUnmovedDuringDump } from '../expectations/sequence-position.ts';
import { pinSession } from '../expectations/session.ts';
import { snapshotSessions } from './snapshot-sessions.ts';
import { readSystemIdentifier, sourceRecord } from '../source/source-record.ts';

export interface DumpBackupOptions {
  scenario: string;
  jobs: number;
  /** Capture fingerprints too (costs one more scan of every table). */
  fingerprints: boolean;
}

export const GLOBALS_FILE = 'globals.sql';
export const DUMP_DIR = 'db.dump';

/** Take a dump backup of `source` into `repo`; visible only once complete. */
export async function takeDumpBackup(
  source: Source,
  runtime: Runtime,
  repo: LocalRepository,
  options: DumpBackupOptions,
  log: Logger,
  clock: Clock,
): Promise<StoredBackup> {
  const startedAt = clock.date();
  const started = clock.now();
  return repo.writeBackup(timeId(startedAt), async (staged) => {
    const client = pgClient(source.clientConfig());
    const scanSessions: pg.Client[] = [];
    try {
      await client.connect();
      // Step 1: open a repeatable-read snapshot and export it, so pg_dump and the counts see the same data.
      await client.query('begin isolation level repeatable read read only');
      await pinSession(client);
      const { rows } = await client.query<{
        snapshot: string;
        encoding: string;
        collate: string;
        ctype: string;
        passwords: boolean;
        role: string;
      }>(
        `select pg_export_snapshot() as snapshot, pg_encoding_to_char(encoding) as encoding, datcollate as collate, datctype as ctype,
                has_table_privilege('pg_catalog.pg_authid', 'select') as passwords, current_user as role
           from pg_database where datname = current_database()`,
      );
      const info = rows[0]!;
      const refused = (error: unknown): unknown => privilegeError(error, info.role, source.major) ?? error;
      log.info(
        { snapshot: info.snapshot },
        `dumping ${source.database} in snapshot ${info.snapshot} with ${options.jobs} jobs`,
      );
      const env = source.toolEnv();
      // Step 2: globals, the dump, and the expectations, side by side while the snapshot is held.
      const globalsArgs = ['--globals-only', '-d', source.conninfo('postgres'), '-f', join(staged.dir, GLOBALS_FILE)];
      // pg_dumpall reads password verifiers from pg_authid, as the roles' expectations do (readRoles): without it, neither has them.
      if (!info.passwords) globalsArgs.push('--no-role-passwords');
      // Sequences are not transactional and pg_dump reads them at a moment of its own: read them before it starts
      // (so the dump holds them there or further on) and again once it has ended (unmoved: it holds exactly these).
      const readSequences = (): ReturnType<typeof captureSequences> =>
        captureSequences(client).catch((error: unknown) => {
          throw refused(error);
        });
      const sequences = await readSequences();
      // Tables are counted and hashed on more sessions in the same snapshot, beside pg_dump's own.
      scanSessions.push(...(await snapshotSessions(source.clientConfig(), info.snapshot, options.jobs - 1)));
      // Every step runs to its end, then the first failure in this fixed order is the one reported (a refused privilege
      // before any other): the same unreadable table must fail the same way on every run, whichever step met it first.
      const settled = await Promise.allSettled([
        runtime.tool(
          'pg_dump',
          [
            '-Fd',
            '-j',
            String(options.jobs),
            `--snapshot=${info.snapshot}`,
            '-d',
            source.conninfo(),
            '-f',
            join(staged.dir, DUMP_DIR),
          ],
          { env, label: 'pg_dump' },
        ),
        captureExpectations(client, {
          fingerprints: options.fingerprints,
          largeObjectContent: true,
          matviewsAsRefreshed: true,
          sequences,
          scanSessions,
        }).catch((error: unknown) => {
          throw refused(error);
        }),
        runtime.tool('pg_dumpall', globalsArgs, { env, label: 'pg_dumpall --globals-only' }),
        runtime.tool('pg_dump', ['--version']).then((r) => r.stdout.trim()),
      ] as const);
      // A refused privilege is the root cause whichever step met it: it aborts the snapshot's transaction, and
      // pg_dump's workers then fail to import the snapshot, which would hide it.
      const failures = settled.flatMap((step) => (step.status === 'rejected' ? [refused(step.reason)] : []));
      const first = failures.find((failure) => failure instanceof MissingGrantError) ?? failures[0];
      if (first !== undefined) throw first;
      const expectations = (settled[1] as PromiseFulfilledResult<Awaited<ReturnType<typeof captureExpectations>>>)
        .value;
      const dumpVersion = (settled[3] as PromiseFulfilledResult<string>).value;
      // What the tools left out or doubted, in their words: the drill reports it, and fails what was not dumped.
      const warnings = [settled[0], settled[2]].flatMap((step) =>
        step.status === 'fulfilled' ? toolWarnings(step.value.stderr) : [],
      );
      expectations.sequences = markUnmovedDuringDump(sequences, await readSequences());
      await client.query('commit');
      // Step 3: store the expectations next to the dump, then make the backup visible.
      const stored: StoredExpectations = {
        formatVersion: 1,
        exactness: 'exact',
        capturedAt: startedAt.toISOString(),
        expectations,
      };
      await writeFile(join(staged.dir, EXPECTATIONS_FILE), `${JSON.stringify(stored, null, 1)}\n`, { mode: 0o600 });
      const finished = clock.date();
      const backup = await repo.commit(staged, {
        id: staged.id,
        method: 'dump',
        scenario: options.scenario,
        startedAt: startedAt.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: Math.round(clock.now() - started),
        source: sourceRecord(source, await readSystemIdentifier(client)),
        dump: {
          database: source.database,
          snapshot: info.snapshot,
          jobs: options.jobs,
          globalsFile: GLOBALS_FILE,
          dumpDir: DUMP_DIR,
          encoding: info.encoding,
          collate: info.collate,
          ctype: info.ctype,
          pgDumpVersion: dumpVersion,
          ...(warnings.length ? { warnings } : {}),
        },
        expectationsFile: EXPECTATIONS_FILE,
      });
      log.info({ backup: backup.record.id, sizeBytes: backup.record.sizeBytes }, `backup ${backup.record.id} complete`);
      return backup;
    } finally {
      await Promise.all([client, ...scanSessions].map((c) => c.end().catch(() => undefined)));
    }
  });
}

/** pg_dump's and pg_dumpall's warnings ("pg_dump: warning: ..."), each once, without the program's prefix. */
export function toolWarnings(stderr: string): string[] {
  const lines = stderr.split('\n').flatMap((line) => {
    const m = /^(pg_dump(?:all)?): warning: (.+)$/.exec(line.trim());
    return m ? [`${m[1]}: ${m[2]}`] : [];
  });
  return [...new Set(lines)];
}

// Something the backup role may not read: the backup cannot be complete, and the fix is a grant on the source (exit 3).
function privilegeError(error: unknown, role: string, major: number): MissingGrantError | null {
  const said =
    error instanceof ToolError
      ? error.stderr
      : (error as { code?: string }).code === '42501'
        ? (error as Error).message
        : null;
  const needed = said === null ? null : dumpGrantFor(said, role, major);
  if (!needed) return null;
  const line = said!.split('\n').find((l) => /ERROR:/.test(l)) ?? said!.split('\n')[0]!;
  const server = line.replace(/^.*ERROR:\s*/, '').trim();
  return new MissingGrantError(
    `the backup role ${role} cannot read everything it must back up: ${needed.refused} (the server said: ${server}); grant it`,
    needed.grants,
    {
      cause: error,
      hint: `run on the source, as a superuser: ${needed.grants.join('; ')}`,
    },
  );
}
