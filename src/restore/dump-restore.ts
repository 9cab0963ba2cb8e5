// Restore a dump backup: globals first (tablespaces relocated), then the database and its properties with
// pg_restore --create -j, then ANALYZE.
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { relocateTablespaces, tablespaceDirName, type RelocatedTablespace } from './globals-tablespaces.ts';
import { firstBackslashLine, newKey, psqlErrorLines, restrictedScript, withoutDumpallGuard } from './globals-script.ts';
import { ToolError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Cluster } from '../env/cluster.ts';
import type { StoredBackup } from '../repository/local-repository.ts';
import type { DumpBackupRecord } from '../repository/backup-record.ts';
import { ident, pinnedToolEnv } from '../expectations/session.ts';
import { timed, type Clock } from '../core/clock.ts';
import type { Phase } from '../run/result.ts';

export interface DumpRestoreOptions {
  jobs: number;
  noOwner: boolean;
  noPrivileges: boolean;
  /** The source's bootstrap superuser (the role initdb made), as its expectations name it; null when they do not. */
  sourceBootstrap?: string | null;
}

/** What went wrong while restoring, as the tools said it; empty arrays when all went well. */
export interface DumpRestoreOutcome {
  database: string;
  globalsErrors: string[];
  restoreErrors: string[];
  warnings: string[];
  phases: Phase[];
  /** Tablespaces the globals created, each moved from the source's path into this environment's directory. */
  tablespaces: RelocatedTablespace[];
}

/** Restore `backup` into the running `cluster`; tool errors become findings, not exceptions. */
export async function restoreDump(
  backup: StoredBackup<DumpBackupRecord>,
  cluster: Cluster,
  options: DumpRestoreOptions,
  log: Logger,
  clock: Clock,
): Promise<DumpRestoreOutcome> {
  const dump = backup.record.dump;
  const phases: Phase[] = [];

  // Step 1: roles and tablespaces, the tablespaces moved into this environment's own directory.
  const globals = await timed(clock, () =>
    restoreGlobals(cluster, join(backup.dir, dump.globalsFile), options.sourceBootstrap ?? null, log),
  );
  phases.push({ name: 'restore globals', durationMs: globals.durationMs });

  // Step 2: the database with its own properties (owner, settings, grants, comment, locale, per-role settings):
  // pg_restore --create issues CREATE DATABASE from the dump; without --exit-on-error it restores what it can and counts errors.
  const maintenance = dump.database === 'postgres' ? 'template1' : 'postgres';
  await dropFreshDatabase(cluster, dump.database, maintenance);
  const args = ['--create', '-j', String(options.jobs), '-d', cluster.conninfo(maintenance)];
  if (options.noOwner) args.push('--no-owner');
  if (options.noPrivileges) args.push('--no-privileges');
  args.push(join(backup.dir, dump.dumpDir));
  log.info(`pg_restore --create -j ${options.jobs} into PostgreSQL ${cluster.runtime.version}`);
  let restoreErrors: string[] = [];
  let stderr = '';
  const restore = await timed(clock, async () => {
    try {
      // Materialized views are refreshed in these sessions: with the settings the expectations were captured under.
      stderr = (await cluster.runtime.tool('pg_restore', args, { env: pinnedToolEnv(cluster.runtime.major) })).stderr;
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      stderr = error.stderr;
      restoreErrors = errorLines(error.stderr);
      if (restoreErrors.length === 0) restoreErrors = [error.message];
    }
  });
  phases.push({ name: 'pg_restore', durationMs: restore.durationMs });

  // Step 3: planner statistics, as any restore runbook does before handing the database over.
  if (await databaseExists(cluster, dump.database, maintenance)) {
    const client = await cluster.connect(dump.database);
    try {
      const analyze = await timed(clock, () => client.query('analyze'));
      phases.push({ name: 'analyze', durationMs: analyze.durationMs });
    } finally {
      await client.end();
    }
  }
  return {
    database: dump.database,
    globalsErrors: globals.value.errors,
    restoreErrors,
    warnings: warningLines(stderr),
    phases,
    tablespaces: globals.value.tablespaces,
  };
}

// The globals through psql, each CREATE TABLESPACE pointed at a directory of this cluster's private directory.
async function restoreGlobals(
  cluster: Cluster,
  file: string,
  sourceBootstrap: string | null,
  log: Logger,
): Promise<{ errors: string[]; tablespaces: RelocatedTablespace[] }> {
  const root = join(cluster.dir, 'tablespaces');
  const taken = new Set<string>();
  const relocated = relocateTablespaces(await readFile(file, 'utf8'), (name, index) => {
    const dir = tablespaceDirName(name, index, taken);
    taken.add(dir);
    return join(root, dir);
  });
  if (relocated.tablespaces.length) {
    // Made where the server runs (this host or the container), owned by the cluster's user, private to it.
    await cluster.runtime.system('mkdir', ['-m', '700', '-p', ...relocated.tablespaces.map((t) => t.location)], {
      label: 'mkdir (tablespaces)',
    });
    await cluster.runtime.adopt(root, true);
  }
  // The environment's own superuser got a password from initdb: clear it, so the globals leave it as the source had it.
  const admin = await cluster.connect('postgres');
  try {
    await admin.query(`alter role ${ident(cluster.connection.user)} password null`);
  } finally {
    await admin.end();
  }
  // A source whose bootstrap superuser has another name and which has a role named like this environment's (a managed
  // service's "postgres" without SUPERUSER): its globals would strip this environment's superuser of its rights. The
  // environment's bootstrap role takes the source's bootstrap name instead, so every role comes back as it was.
  const own = cluster.connection.user;
  // Renamed whenever the names differ: the owner and grantor in the ACLs of built-in objects name it too.
  if (sourceBootstrap && sourceBootstrap !== own) {
    log.info(
      `the source's bootstrap superuser is ${sourceBootstrap}${createdRoles(relocated.sql).has(own) ? ` and its ${own} is another role` : ''}: this environment's bootstrap superuser is renamed ${sourceBootstrap}`,
    );
    try {
      await renameBootstrap(cluster, sourceBootstrap);
    } catch (error) {
      return {
        errors: [
          ...relocated.problems,
          `the globals file was not run: this environment's bootstrap superuser could not take the source's name ${sourceBootstrap}: ${(error as Error).message}`,
        ],
        tablespaces: relocated.tablespaces,
      };
    }
  }
  // psql's backslash commands would run on this host: the file runs restricted, or not at all when it holds one and
  // this psql cannot restrict them. As the cluster's user, never as the drill's.
  const restricts = await psqlRestricts(cluster);
  const unsafe = restricts ? null : firstBackslashLine(relocated.sql);
  if (unsafe)
    return {
      errors: [
        ...relocated.problems,
        `the globals file was not run: its line ${unsafe.line} holds a backslash (${unsafe.text}), which psql would run as a command on this host, and ${cluster.runtime.describe()}'s psql cannot refuse them (\\restrict came with PostgreSQL 13.22, 14.19, 15.14, 16.10 and 17.6): restore with a client of one of those minors or later`,
      ],
      tablespaces: relocated.tablespaces,
    };
  const run = await cluster.runtime.tool('psql', ['-X', '-q', '-d', cluster.conninfo('postgres'), '-f', '-'], {
    input: restricts ? restrictedScript(relocated.sql) : withoutDumpallGuard(relocated.sql),
    env: cluster.toolEnv(),
    label: 'psql (globals)',
    asClusterUser: true,
  });
  // The restore cluster's own superuser already exists, so that error is expected.
  const user = cluster.connection.user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const exists = new RegExp(`role "${user}" already exists`);
  return {
    errors: [
      ...relocated.problems,
      ...psqlErrorLines(run.stderr).map((line) => `psql refused a line of the globals file: ${line}`),
      ...errorLines(run.stderr).filter((line) => !exists.test(line)),
    ],
    tablespaces: relocated.tablespaces,
  };
}

/** The roles a pg_dumpall globals file creates (`CREATE ROLE name;`, the name quoted as pg_dumpall quotes it). */
export function createdRoles(sql: string): Set<string> {
  const names = new Set<string>();
  for (const m of sql.matchAll(/^CREATE ROLE ("(?:[^"]|"")+"|[^\s;"]+);$/gm))
    names.add(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!);
  return names;
}

// Rename the environment's bootstrap role (the one the drill connects as) through a superuser of a moment, dropped after.
async function renameBootstrap(cluster: Cluster, name: string): Promise<void> {
  const own = cluster.connection.user;
  const helper = `recoverable_rename_${newKey().slice(0, 16)}`;
  const as = async (user: string, sql: string): Promise<void> => {
    cluster.connection.user = user;
    const client = await cluster.connect('postgres');
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await as(own, `create role ${ident(helper)} superuser login`);
  try {
    await as(helper, `alter role ${ident(own)} rename to ${ident(name)}`);
    cluster.connection.user = name;
  } catch (error) {
    cluster.connection.user = own;
    throw error;
  } finally {
    await as(cluster.connection.user, `drop role ${ident(helper)}`);
  }
}

// Whether this psql knows \restrict (it refuses every other backslash command until \unrestrict with the same key).
async function psqlRestricts(cluster: Cluster): Promise<boolean> {
  const key = newKey();
  try {
    await cluster.runtime.tool(
      'psql',
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', cluster.conninfo('postgres'), '-f', '-'],
      {
        input: `\\restrict ${key}\n\\unrestrict ${key}\n`,
        env: cluster.toolEnv(),
        label: 'psql (\\restrict probe)',
        asClusterUser: true,
      },
    );
    return true;
  } catch (error) {
    // Only an unknown command says the client is too old; anything else (a connection refused) is the restore's.
    if (error instanceof ToolError && /invalid command \\restrict/.test(error.stderr)) return false;
    throw error;
  }
}

// A fresh cluster already has postgres and template1: a dump of one of them replaces it.
async function dropFreshDatabase(cluster: Cluster, database: string, maintenance: string): Promise<void> {
  if (!(await databaseExists(cluster, database, maintenance))) return;
  const admin = await cluster.connect(maintenance);
  try {
    await admin.query(`alter database ${ident(database)} is_template false`);
    await admin.query(`drop database ${ident(database)}`);
  } finally {
    await admin.end();
  }
}

async function databaseExists(cluster: Cluster, database: string, maintenance: string): Promise<boolean> {
  const admin = await cluster.connect(maintenance);
  try {
    return (await admin.query('select 1 from pg_database where datname = $1', [database])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

// "psql:file:12: ERROR:  role ... already exists" and "pg_restore: error: ..." lines.
function errorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /\bERROR:|^pg_restore: error:|^pg_restore: \[archiver/.test(l));
}

function warningLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /\bWARNING:|pg_restore: warning:/.test(l));
}
