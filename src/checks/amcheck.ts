// Structural check of heap and btree: pg_amcheck (PG >= 14) or the amcheck functions.
import type pg from 'pg';
import { ToolError } from '../core/errors.ts';
import { ident } from '../expectations/session.ts';
import type { Cluster } from '../env/cluster.ts';
import type { CheckResult } from '../run/result.ts';
import {
  amcheckPattern,
  amcheckPlan,
  describePrepared,
  relationText,
  type AmcheckPlan,
  type PreparedTransaction,
} from './prepared-transactions.ts';

export interface AmcheckOptions {
  heapallindexed: boolean;
  jobs: number;
  /** The restore's prepared transactions: nothing is checked in a way that would wait on their locks. */
  prepared?: readonly PreparedTransaction[];
}

/** Run amcheck over every relation of `database`; corruption fails, an inability to check errors. */
export async function amcheck(cluster: Cluster, database: string, options: AmcheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const prepared = options.prepared ?? [];
  const plan = amcheckPlan(prepared);
  const done = (status: CheckResult['status'], message: string, actual?: unknown): CheckResult => ({
    id: 'amcheck',
    kind: 'amcheck',
    status,
    exactness: 'exact',
    expected: 'no corruption',
    ...(actual === undefined ? {} : { actual }),
    message: `${message}${preparedNote(prepared, plan, cluster.lockTimeout)}`,
    durationMs: Math.round(performance.now() - started),
  });
  const outcome = cluster.runtime.has('pg_amcheck')
    ? await withPgAmcheck(cluster, database, options, plan)
    : await withFunctions(cluster, database, options.heapallindexed, plan, prepared.length > 0);
  if (outcome.corruption.length)
    return done(
      'failed',
      `corruption found: ${outcome.corruption.slice(0, 4).join(' | ')}${outcome.corruption.length > 4 ? ` (+${outcome.corruption.length - 4} more)` : ''}`,
      outcome.corruption.slice(0, 50),
    );
  if (outcome.couldNotRun) return done('errored', outcome.couldNotRun);
  if (outcome.lockWaits.length || plan.unreadable.length) {
    const waited = outcome.lockWaits.length
      ? `gave up waiting for a lock (lock_timeout ${cluster.lockTimeout}) on: ${outcome.lockWaits.slice(0, 4).join(' | ')}; `
      : '';
    const held = plan.unreadable.length
      ? `not checked, held in ACCESS EXCLUSIVE mode by a prepared transaction: ${plan.unreadable
          .map((r) => `${relationText(r)} (${r.mode}, prepared transaction '${r.gid}')`)
          .join(', ')}; `
      : '';
    return done(
      'errored',
      `${waited}${held}the rest showed no corruption (${outcome.passedText}); COMMIT PREPARED or ROLLBACK PREPARED on the source releases such locks`,
      { lockWaits: outcome.lockWaits, unreadable: plan.unreadable.map(relationText) },
    );
  }
  return done('passed', outcome.passedText);
}

// What the restore's prepared transactions changed, for every message of the check.
function preparedNote(prepared: readonly PreparedTransaction[], plan: AmcheckPlan, lockTimeout: string): string {
  if (!prepared.length) return '';
  const child = plan.childCheckOnly.length
    ? `; ${prepared.length === 1 ? 'its' : 'their'} locks block bt_index_parent_check, so ${plan.childCheckOnly.map(relationText).join(', ')} ${plan.childCheckOnly.length === 1 ? 'was' : 'were'} checked with bt_index_check (no --parent-check)`
    : '';
  return ` (the restore holds prepared transaction${prepared.length === 1 ? '' : 's'} ${describePrepared(prepared)}, part of the backed-up state${child}; lock waits bounded by lock_timeout ${lockTimeout})`;
}

interface Outcome {
  corruption: string[];
  /** Relations whose check gave up waiting for a lock. */
  lockWaits: string[];
  /** Why the check could not run at all. */
  couldNotRun?: string;
  passedText: string;
}

async function withPgAmcheck(
  cluster: Cluster,
  database: string,
  options: { heapallindexed: boolean; jobs: number },
  plan: AmcheckPlan,
): Promise<Outcome> {
  const common = ['--install-missing', '--no-strict-names', '-j', String(options.jobs)];
  if (options.heapallindexed) common.push('--heapallindexed');
  const leftOut = [
    ...plan.unreadable.flatMap((r) => [
      r.kind === 'i' ? '-I' : '-R',
      amcheckPattern(r),
      ...r.btreeIndexes.flatMap((i) => ['-I', amcheckPattern(i)]),
    ]),
    ...plan.childCheckOnly.flatMap((i) => ['-I', amcheckPattern(i)]),
  ];
  const outcome: Outcome = {
    corruption: [],
    lockWaits: [],
    passedText: `pg_amcheck found no corruption in heap, TOAST or btree${options.heapallindexed ? ' (heapallindexed)' : ''}`,
  };
  const runs = [[...common, '--parent-check', ...leftOut, database]];
  // Indexes a prepared transaction's lock keeps from bt_index_parent_check still get bt_index_check (AccessShareLock).
  if (plan.childCheckOnly.length)
    runs.push([...common, ...plan.childCheckOnly.flatMap((i) => ['-i', amcheckPattern(i)]), database]);
  for (const args of runs) {
    try {
      await cluster.runtime.tool('pg_amcheck', args, { env: cluster.toolEnv() });
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      const blocks = findingBlocks(`${error.stdout}\n${error.stderr}`);
      // pg_amcheck exits 2 when a check reported something: corruption, or a check that gave up on a lock.
      if (error.toolExitCode === 2 && blocks.length) {
        for (const block of blocks) (LOCK_WAIT.test(block) ? outcome.lockWaits : outcome.corruption).push(block);
      } else {
        outcome.couldNotRun ??= `pg_amcheck could not run: ${error.message}`;
      }
    }
  }
  return outcome;
}

// A statement cancelled by lock_timeout (SQLSTATE 55P03).
const LOCK_WAIT = /lock timeout/i;

/** pg_amcheck's report as one entry per finding: a heading line and the indented lines under it. */
export function findingBlocks(output: string): string[] {
  const blocks: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.trim() || /^\s*NOTICE:/.test(line)) continue;
    if (/^\s/.test(line) && blocks.length) blocks[blocks.length - 1] += ` ${line.trim()}`;
    else blocks.push(line.trim());
  }
  return blocks;
}

// PG 13 has no pg_amcheck: check every btree index with bt_index_parent_check (a partitioned table's index has no
// storage of its own: its partitions' indexes are the ones checked).
async function withFunctions(
  cluster: Cluster,
  database: string,
  heapallindexed: boolean,
  plan: AmcheckPlan,
  anyPrepared: boolean,
): Promise<Outcome> {
  const client = await cluster.connect(database);
  try {
    await client.query("select pg_catalog.set_config('lock_timeout', $1, false)", [cluster.lockTimeout]);
    let schema: string;
    try {
      schema = await installedAmcheck(client);
    } catch (error) {
      return {
        corruption: [],
        lockWaits: [],
        couldNotRun: `the amcheck extension could not be installed: ${(error as Error).message}`,
        passedText: '',
      };
    }
    const { rows } = await client.query<{ oid: number; name: string; schema: string; relname: string }>(
      `select c.oid, c.oid::regclass::text as name, n.nspname as schema, c.relname
         from pg_catalog.pg_index i join pg_catalog.pg_class c on c.oid = i.indexrelid
         join pg_catalog.pg_namespace n on n.oid = c.relnamespace
         join pg_catalog.pg_am a on a.oid = c.relam
        where a.amname = 'btree' and c.relkind = 'i' and c.relpersistence <> 't' and i.indisvalid`,
    );
    const key = (schema: string, name: string): string => JSON.stringify([schema, name]);
    const unreadable = new Set(
      plan.unreadable.flatMap((r) => [r, ...r.btreeIndexes].map((x) => key(x.schema, x.name))),
    );
    const childOnly = new Set(plan.childCheckOnly.map((x) => key(x.schema, x.name)));
    const outcome: Outcome = { corruption: [], lockWaits: [], passedText: '' };
    let checked = 0;
    let catalogsChildOnly = 0;
    for (const index of rows) {
      const at = key(index.schema, index.relname);
      if (unreadable.has(at)) continue;
      // 13's parent check reads the heap with SnapshotAny and waits on the catalog rows a prepared transaction wrote
      // (catalog locks are released before commit, so no lock of its names them): catalogs get the plain check then.
      const catalog = anyPrepared && (index.schema === 'pg_catalog' || index.schema === 'pg_toast');
      const fn = childOnly.has(at) || catalog ? 'bt_index_check' : 'bt_index_parent_check';
      if (catalog) catalogsChildOnly++;
      try {
        await client.query(`select ${ident(schema)}.${fn}($1::regclass, $2)`, [index.oid, heapallindexed]);
        checked++;
      } catch (error) {
        const finding = `${index.name}: ${(error as Error).message}`;
        ((error as { code?: string }).code === '55P03' ? outcome.lockWaits : outcome.corruption).push(finding);
      }
    }
    outcome.passedText = catalogsChildOnly
      ? `${checked} btree indexes verified: the ${catalogsChildOnly} of system catalogs with bt_index_check (the catalog rows a prepared transaction wrote would hold up bt_index_parent_check), the rest with bt_index_parent_check (no heap check before PostgreSQL 14)`
      : `${checked} btree indexes verified with bt_index_parent_check (no heap check before PostgreSQL 14)`;
    return outcome;
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
