// Restore a dump backup: globals first, then the database with pg_restore -j, then ANALYZE.
import { join } from 'node:path';
import { ToolError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Cluster } from '../env/cluster.ts';
import type { StoredBackup } from '../repository/local-repository.ts';
import { ident } from '../expectations/session.ts';
import { timed, type Clock } from '../core/clock.ts';
import type { Phase } from '../run/result.ts';

export interface DumpRestoreOptions {
  jobs: number;
  noOwner: boolean;
  noPrivileges: boolean;
}

/** What went wrong while restoring, as the tools said it; empty arrays when all went well. */
export interface DumpRestoreOutcome {
  database: string;
  globalsErrors: string[];
  restoreErrors: string[];
  warnings: string[];
  phases: Phase[];
}

/** Restore `backup` into the running `cluster`; tool errors become findings, not exceptions. */
export async function restoreDump(backup: StoredBackup, cluster: Cluster, options: DumpRestoreOptions, log: Logger, clock: Clock): Promise<DumpRestoreOutcome> {
  const dump = backup.record.dump;
  if (!dump) throw new Error(`backup ${backup.record.id} is not a dump backup`);
  const phases: Phase[] = [];

  // Step 1: roles and tablespaces; the restore cluster's own superuser already exists, so that error is expected.
  const globals = await timed(clock, () =>
    cluster.runtime.tool('psql', ['-X', '-q', '-d', cluster.conninfo('postgres'), '-f', join(backup.dir, dump.globalsFile)], { label: 'psql (globals)' }),
  );
  phases.push({ name: 'restore globals', durationMs: globals.durationMs });
  const globalsErrors = errorLines(globals.value.stderr).filter((line) => !new RegExp(`role "${cluster.connection.user}" already exists`).test(line));

  // Step 2: the database, with the source's encoding and locale.
  const admin = await cluster.connect('postgres');
  try {
    await admin.query(
      `create database ${ident(dump.database)} template template0 encoding '${dump.encoding}' lc_collate '${dump.collate.replace(/'/g, "''")}' lc_ctype '${dump.ctype.replace(/'/g, "''")}'`,
    );
  } finally {
    await admin.end();
  }

  // Step 3: pg_restore in parallel; without --exit-on-error it restores what it can and counts errors.
  const args = ['-j', String(options.jobs), '-d', cluster.conninfo(dump.database)];
  if (options.noOwner) args.push('--no-owner');
  if (options.noPrivileges) args.push('--no-privileges');
  args.push(join(backup.dir, dump.dumpDir));
  log.info(`pg_restore -j ${options.jobs} into PostgreSQL ${cluster.runtime.version}`);
  let restoreErrors: string[] = [];
  let stderr = '';
  const restore = await timed(clock, async () => {
    try {
      stderr = (await cluster.runtime.tool('pg_restore', args)).stderr;
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      stderr = error.stderr;
      restoreErrors = errorLines(error.stderr);
      if (restoreErrors.length === 0) restoreErrors = [error.message];
    }
  });
  phases.push({ name: 'pg_restore', durationMs: restore.durationMs });

  // Step 4: planner statistics, as any restore runbook does before handing the database over.
  const client = await cluster.connect(dump.database);
  try {
    const analyze = await timed(clock, () => client.query('analyze'));
    phases.push({ name: 'analyze', durationMs: analyze.durationMs });
  } finally {
    await client.end();
  }
  return { database: dump.database, globalsErrors, restoreErrors, warnings: warningLines(stderr), phases };
}

// "psql:file:12: ERROR:  role ... already exists" and "pg_restore: error: ..." lines.
function errorLines(stderr: string): string[] {
  return stderr.split('\n').map((l) => l.trim()).filter((l) => /\bERROR:|^pg_restore: error:|^pg_restore: \[archiver/.test(l));
}

function warningLines(stderr: string): string[] {
  return stderr.split('\n').map((l) => l.trim()).filter((l) => /\bWARNING:|pg_restore: warning:/.test(l));
}
