// Structural check of heap and btree: pg_amcheck (PG >= 14) or the amcheck functions.
import type pg from 'pg';
import { ToolError } from '../core/errors.ts';
import { ident } from '../expectations/session.ts';
import type { Cluster } from '../env/cluster.ts';
import type { CheckResult } from '../run/result.ts';

/** Run amcheck over every relation of `database`; corruption fails, an inability to check errors. */
export async function amcheck(
  cluster: Cluster,
  database: string,
  options: { heapallindexed: boolean; jobs: number },
): Promise<CheckResult> {
  const started = performance.now();
  const id = 'amcheck';
  const done = (status: CheckResult['status'], message: string, actual?: unknown): CheckResult => ({
    id,
    kind: 'amcheck',
    status,
    exactness: 'exact',
    expected: 'no corruption',
    ...(actual === undefined ? {} : { actual }),
    message,
    durationMs: Math.round(performance.now() - started),
  });
  if (!cluster.runtime.has('pg_amcheck')) return amcheckFunctions(cluster, database, options.heapallindexed, started);
  const args = ['--install-missing', '--parent-check', '-j', String(options.jobs)];
  if (options.heapallindexed) args.push('--heapallindexed');
  args.push(database);
  try {
    await cluster.runtime.tool('pg_amcheck', args, { env: cluster.toolEnv() });
    return done(
      'passed',
      `pg_amcheck found no corruption in heap, TOAST or btree${options.heapallindexed ? ' (heapallindexed)' : ''}`,
    );
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    const findings = `${error.stdout}\n${error.stderr}`
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    // pg_amcheck exits 2 when it found corruption; other codes mean it could not check.
    if (error.toolExitCode === 2 && findings.length)
      return done(
        'failed',
        `corruption found: ${findings.slice(0, 4).join(' | ')}${findings.length > 4 ? ` (+${findings.length - 4} more lines)` : ''}`,
        findings.slice(0, 50),
      );
    return done('errored', `pg_amcheck could not run: ${error.message}`);
  }
}

// PG 13 has no pg_amcheck: check every btree index with bt_index_parent_check (a partitioned table's index has no
// storage of its own: its partitions' indexes are the ones checked).
async function amcheckFunctions(
  cluster: Cluster,
  database: string,
  heapallindexed: boolean,
  started: number,
): Promise<CheckResult> {
  const client = await cluster.connect(database);
  const base = { id: 'amcheck', kind: 'amcheck' as const, exactness: 'exact' as const, expected: 'no corruption' };
  try {
    let schema: string;
    try {
      schema = await installedAmcheck(client);
    } catch (error) {
      return {
        ...base,
        status: 'errored',
        message: `the amcheck extension could not be installed: ${(error as Error).message}`,
        durationMs: Math.round(performance.now() - started),
      };
    }
    const { rows } = await client.query<{ oid: number; name: string }>(
      `select c.oid, c.oid::regclass::text as name from pg_catalog.pg_index i join pg_catalog.pg_class c on c.oid = i.indexrelid
         join pg_catalog.pg_am a on a.oid = c.relam
        where a.amname = 'btree' and c.relkind = 'i' and c.relpersistence <> 't' and i.indisvalid`,
    );
    const findings: string[] = [];
    for (const index of rows) {
      try {
        await client.query(`select ${ident(schema)}.bt_index_parent_check($1::regclass, $2)`, [
          index.oid,
          heapallindexed,
        ]);
      } catch (error) {
        findings.push(`${index.name}: ${(error as Error).message}`);
      }
    }
    const durationMs = Math.round(performance.now() - started);
    return findings.length
      ? {
          ...base,
          status: 'failed',
          actual: findings,
          message: `btree corruption: ${findings.slice(0, 4).join(' | ')}`,
          durationMs,
        }
      : {
          ...base,
          status: 'passed',
          message: `${rows.length} btree indexes verified with bt_index_parent_check (no heap check before PostgreSQL 14)`,
          durationMs,
        };
  } finally {
    await client.end();
  }
}

// Where amcheck's functions are: installed into pg_catalog as pg_amcheck does (the database's search_path may name no
// schema to create in), or wherever the restored database already has it.
async function installedAmcheck(client: pg.Client): Promise<string> {
  await client.query('create extension if not exists amcheck with schema pg_catalog');
  const { rows } = await client.query<{ schema: string }>(
    `select n.nspname as schema from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
      where e.extname = 'amcheck'`,
  );
  return rows[0]!.schema;
}
