// Every relation file the restored catalog names is on disk: a backup kept by another tool has no manifest of ours,
// and a file missing from it surfaces only when that relation is read (or never, if nobody reads it).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../env/cluster.ts';
import type { CheckResult } from '../run/result.ts';
import { fail, pass } from '../run/check.ts';

/** One relation whose main fork file is missing. */
export interface MissingRelationFile {
  database: string;
  relation: string;
  path: string;
}

// Permanent relations with storage (unlogged ones come back as their init fork, temporary ones never), per database.
const RELATION_FILES_SQL = `select n.nspname || '.' || c.relname as relation, pg_relation_filepath(c.oid) as path
   from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'i', 't', 'm', 'S') and c.relpersistence = 'p' and pg_relation_filepath(c.oid) is not null
  order by 1`;

/** Check the main fork of every permanent relation of every connectable database exists under the restored PGDATA. */
export async function relationFilesCheck(cluster: Cluster): Promise<CheckResult> {
  const started = performance.now();
  const missing: MissingRelationFile[] = [];
  let count = 0;
  const admin = await cluster.connect('postgres');
  let databases: string[];
  try {
    databases = (
      await admin.query<{ datname: string }>('select datname from pg_database where datallowconn order by datname')
    ).rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
  for (const database of databases) {
    const client = await cluster.connect(database);
    try {
      const { rows } = await client.query<{ relation: string; path: string }>(RELATION_FILES_SQL);
      count += rows.length;
      for (const row of rows)
        if (!existsSync(join(cluster.dataDir, row.path)))
          missing.push({ database, relation: row.relation, path: row.path });
    } finally {
      await client.end();
    }
  }
  const ms = Math.round(performance.now() - started);
  if (!missing.length)
    return pass(
      'files',
      'restore:relation-files',
      'exact',
      0,
      0,
      `all ${count} relation files of ${databases.length} databases are on disk`,
      ms,
    );
  const named = missing
    .slice(0, 5)
    .map((m) => `${m.database}: ${m.relation} (${m.path})`)
    .join(', ');
  return fail(
    'files',
    'restore:relation-files',
    'exact',
    0,
    missing.length,
    `${missing.length} relation file(s) the catalog names are missing from the restored data directory: ${named}${missing.length > 5 ? ', ...' : ''}`,
    ms,
  );
}
