// Capture what a database contains: counted and hashed in SQL, comparable across a restore.
import type pg from 'pg';
import { ident } from './session.ts';
import { readRoles } from './roles.ts';
import { readDatabaseProperties } from './database-properties.ts';
import type { CaptureOptions, Expectations, SequenceExpectation, TableExpectation } from './types.ts';
import { resolveScope, userRelation, type CaptureScope } from './schema-scope.ts';
import { captureSchemaObjects } from './schema-objects.ts';
import { unpredictableMatviews } from './schema-matviews.ts';
import { relationKey } from './names.ts';
import { withPartitionTrees, type TreeRoot } from './partition-trees.ts';
import { matviewsReadBy, type LowerMatview } from './matview-nesting.ts';
import { countTable } from './table-scan.ts';
import { scanOnSessions } from './scan-sessions.ts';
import { fingerprintPlan, type FingerprintAlgorithm } from './row-hash.ts';
import { CAPTURED } from './coverage.ts';
import { readLargeObjectMetadata, readTablespaces } from './cluster-objects.ts';

export type { CaptureOptions, Expectations, SequenceExpectation, TableExpectation } from './types.ts';

/** Capture expectations on `client` (run inside the backup's snapshot for exact ones). */
export async function captureExpectations(client: pg.Client, options: CaptureOptions): Promise<Expectations> {
  // regclass and deparsed definitions print relative to search_path: pin it (pg_restore refreshes matviews with it empty).
  const sessions = [client, ...(options.scanSessions ?? [])];
  const before = await Promise.all(
    sessions.map(async (s) => (await s.query<{ p: string }>("select current_setting('search_path') as p")).rows[0]!.p),
  );
  for (const session of sessions) await session.query("select set_config('search_path', 'pg_catalog', false)");
  const reset = (): Promise<unknown> =>
    Promise.all(sessions.map((s, i) => s.query("select set_config('search_path', $1, false)", [before[i]])));
  let captured: Expectations;
  try {
    captured = await captureWithPinnedPath(client, sessions, options);
  } catch (error) {
    // In an aborted transaction the reset fails too (and the rollback undoes the setting): keep the capture's own error.
    await reset().catch(() => undefined);
    throw error;
  }
  await reset();
  return captured;
}

/** Every sequence's position and parameters (read around a dump, so they are known to be read before and after it). */
export async function captureSequences(client: pg.Client): Promise<SequenceExpectation[]> {
  return readSequences(client, await resolveScope(client));
}

async function captureWithPinnedPath(
  client: pg.Client,
  sessions: readonly pg.Client[],
  options: CaptureOptions,
): Promise<Expectations> {
  const meta = await client.query<{ db: string; version: string; version_num: number }>(
    "select current_database() as db, current_setting('server_version') as version, current_setting('server_version_num')::int as version_num",
  );
  const scope = await resolveScope(client);
  const { tables, roots } = await listTables(client, scope);
  const asRefreshed = options.matviewsAsRefreshed ?? false;
  const nesting = asRefreshed ? await matviewsReadBy(client, scope) : new Map<string, LowerMatview[]>();
  // A restore refreshes materialized views: one whose query is not immutable cannot be predicted.
  if (asRefreshed) {
    const reasons = await unpredictableMatviews(client, scope);
    for (const table of tables) {
      const why = reasons.get(relationKey(table)) ?? unrefreshable(nesting.get(relationKey(table)));
      if (why && table.relkind === 'm') table.notComparable = why;
    }
  }
  const plan = fingerprintPlan(options.fingerprintAlgorithm, meta.rows[0]!.version_num);
  const algorithm = options.fingerprints ? plan.recorded : null;
  const hashing = options.fingerprints ? plan.computed : null;
  // A server paused in recovery cannot read unlogged tables: what promotion would reset them from is looked at instead.
  const inRecovery = (await client.query<{ r: boolean }>('select pg_is_in_recovery() as r')).rows[0]!.r;
  const readable = inRecovery ? tables.filter((t) => t.persistence !== 'u') : tables;
  if (inRecovery)
    for (const table of tables) if (table.persistence === 'u') table.initFork = await initFork(client, table);
  const counted = await scanOnSessions(sessions, readable, (session, table) =>
    countTable(session, table, hashing, asRefreshed),
  );
  readable.forEach((table, i) => Object.assign(table, counted[i]));
  if (asRefreshed) await markRefreshedOverStale(client, tables, nesting, hashing);
  // On a restored database: what the query of each view marked so in the backup gives here, next to what it holds.
  for (const table of tables) {
    if (table.relkind === 'm' && !table.unpopulated && options.queryResults?.has(relationKey(table)))
      table.queryResult = await countTable(client, table, hashing, true);
  }
  return {
    database: meta.rows[0]!.db,
    serverVersion: meta.rows[0]!.version,
    ...(algorithm ? { fingerprintAlgorithm: algorithm } : {}),
    tables: withPartitionTrees(tables, roots),
    sequences: options.sequences ?? (await readSequences(client, scope)),
    largeObjects: {
      ...(await readLargeObjects(client, options.largeObjectContent)),
      metadata: await readLargeObjectMetadata(client),
    },
    schemaObjects: await captureSchemaObjects(client, scope),
    extensions: (
      await client.query<{ e: string }>(
        "select extname || ' ' || extversion as e from pg_extension where extname <> 'plpgsql' order by 1",
      )
    ).rows.map((r) => r.e),
    roles: await readRoles(client),
    databaseProperties: await readDatabaseProperties(client),
    tablespaces: await readTablespaces(client),
    // Subscriptions the capturing role may not read (before 14, without SUPERUSER) are not compared, and the drill says so.
    coverage: CAPTURED.filter((aspect) => aspect !== 'subscriptions' || scope.subscriptionsReadable !== false),
  };
}

// pg_restore refreshes only populated materialized views: one reading an unpopulated one fails to refresh.
function unrefreshable(lowers: readonly LowerMatview[] | undefined): string | undefined {
  const empty = lowers?.filter((l) => !l.populated) ?? [];
  return empty.length
    ? `reads materialized view ${empty.map((l) => relationKey(l)).join(', ')}, which is not populated: a restore cannot refresh it`
    : undefined;
}

// An upper view's expectation, computed over the rows lower views store, holds only if those rows are what their
// queries give now (what the restore's refresh puts there). Where a lower one is stale, or that is not known
// (no fingerprints), the upper one is compared after the restore with its own query over the restored data.
async function markRefreshedOverStale(
  client: pg.Client,
  tables: TableExpectation[],
  nesting: ReadonlyMap<string, LowerMatview[]>,
  fingerprints: FingerprintAlgorithm | null,
): Promise<void> {
  const byKey = new Map(tables.map((t) => [relationKey(t), t]));
  const stale = new Map<string, boolean>();
  const isStale = async (key: string): Promise<boolean> => {
    const lower = byKey.get(key);
    if (!lower || !fingerprints) return true;
    if (!stale.has(key)) {
      const stored = await countTable(client, lower, fingerprints, false);
      stale.set(key, stored.rows !== lower.rows || stored.fingerprint !== lower.fingerprint);
    }
    return stale.get(key)!;
  };
  for (const upper of tables) {
    const lowers = nesting.get(relationKey(upper));
    if (!lowers || upper.relkind !== 'm' || upper.notComparable || upper.unpopulated) continue;
    const staleOnes: string[] = [];
    for (const lower of lowers) if (await isStale(relationKey(lower))) staleOnes.push(relationKey(lower));
    if (staleOnes.length) upper.refreshedOverStale = staleOnes;
  }
}

// Hash partitioning on an enum hashes its OIDs, which a restore assigns anew: pg_dump then loads every leaf below
// such a table through the partition root (its rule, at any level, since 11.20/15.3), so rows may change leaves below
// the topmost one. That table is the tree compared as a whole.
const ENUM_HASH_ROOT = `select an.nspname as schema, ac.relname as name
    from pg_partition_ancestors(c.oid) with ordinality as a(relid, depth)
    join pg_partitioned_table pt on pt.partrelid = a.relid
    join pg_class ac on ac.oid = a.relid join pg_namespace an on an.oid = ac.relnamespace
   where c.relispartition and (select o.oid from pg_opclass o join pg_am m on m.oid = o.opcmethod
           where o.opcname = 'enum_ops' and o.opcnamespace = 'pg_catalog'::regnamespace and m.amname = 'hash') = any(pt.partclass)
   order by a.depth desc limit 1`;

// Whether an unlogged table's init fork (its main fork's path + "_init") is in the data directory.
async function initFork(client: pg.Client, table: TableExpectation): Promise<'present' | 'missing'> {
  const { rows } = await client.query<{ present: boolean }>(
    `select (pg_stat_file(pg_relation_filepath(format('%I.%I', $1::text, $2::text)::regclass) || '_init', true)).size
            is not null as present`,
    [table.schema, table.name],
  );
  return rows[0]!.present ? 'present' : 'missing';
}

// Leaf tables and materialized views in user schemas (partitioned parents hold no rows of their own), plus the
// configuration tables of extensions: pg_dump carries their rows (those matching extcondition) though the tables are extension members.
async function listTables(
  client: pg.Client,
  scope: CaptureScope,
): Promise<{ tables: TableExpectation[]; roots: Map<string, TreeRoot> }> {
  const { rows } = await client.query<{
    schema: string;
    name: string;
    relkind: 'r' | 'm';
    persistence: 'p' | 'u';
    populated: boolean;
    filter: string | null;
    root_schema: string | null;
    root_name: string | null;
  }>(
    `select n.nspname as schema, c.relname as name, c.relkind::text as relkind, c.relpersistence::text as persistence, c.relispopulated as populated, null as filter,
            r.schema as root_schema, r.name as root_name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace left join lateral (${ENUM_HASH_ROOT}) r on true
      where c.relkind in ('r', 'm') and c.relpersistence <> 't' and ${userRelation('c', 'n', scope)}
     union all
     select n.nspname, c.relname, c.relkind::text, c.relpersistence::text, c.relispopulated, coalesce(x.extcondition[i], ''), null, null
       from pg_extension x cross join generate_subscripts(x.extconfig, 1) i
       join pg_class c on c.oid = x.extconfig[i] join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r'
      order by 1, 2`,
  );
  const roots = new Map<string, TreeRoot>();
  const tables = rows.map(({ populated, filter, root_schema, root_name, ...r }) => {
    if (root_schema !== null && root_name !== null) roots.set(relationKey(r), { schema: root_schema, name: root_name });
    return {
      ...r,
      ...(populated ? {} : { unpopulated: true }),
      ...(filter === null ? {} : { extensionFilter: filter }),
      rows: 0,
      fingerprint: null,
    };
  });
  return { tables, roots };
}

// Sequence positions (non-transactional) and parameters, extensions' configuration sequences included. A sequence's
// storage starts under its own oid as relfilenode; ALTER SEQUENCE rewrites it under another (and an unlogged one's init fork with it).
async function readSequences(client: pg.Client, scope: CaptureScope): Promise<SequenceExpectation[]> {
  const { rows: seqs } = await client.query<{
    schema: string;
    name: string;
    increment: string;
    start: string;
    min: string;
    max: string;
    cycle: boolean;
    persistence: 'p' | 'u';
    rewritten: boolean;
  }>(
    `select n.nspname as schema, c.relname as name, s.seqincrement::text as increment, s.seqstart::text as start, s.seqmin::text as min,
            s.seqmax::text as max, s.seqcycle as cycle, c.relpersistence::text as persistence, c.relfilenode <> c.oid as rewritten
       from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_sequence s on s.seqrelid = c.oid
      where c.relkind = 'S' and (${userRelation('c', 'n', scope)} or c.oid in (select unnest(extconfig) from pg_extension)) order by 1, 2`,
  );
  const result: SequenceExpectation[] = [];
  for (const s of seqs) {
    const { rows } = await client.query<{ last_value: string; is_called: boolean }>(
      `select last_value::text, is_called from ${ident(s.schema)}.${ident(s.name)}`,
    );
    result.push({
      schema: s.schema,
      name: s.name,
      lastValue: rows[0]!.last_value,
      isCalled: rows[0]!.is_called,
      increment: s.increment,
      start: s.start,
      minValue: s.min,
      maxValue: s.max,
      cycle: s.cycle,
      persistence: s.persistence,
      ...(s.rewritten ? { rewritten: true } : {}),
    });
  }
  return result;
}

// Large objects keep their OIDs through pg_dump: hash oid + content.
async function readLargeObjects(client: pg.Client, content: boolean): Promise<Expectations['largeObjects']> {
  if (!content) {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from pg_largeobject_metadata');
    return { count: Number(rows[0]!.n), fingerprint: null };
  }
  const { rows } = await client.query<{ n: string; h: string | null }>(
    `select count(*) as n, md5(string_agg(oid::text || ':' || md5(lo_get(oid)), ',' order by oid)) as h from pg_largeobject_metadata`,
  );
  return { count: Number(rows[0]!.n), fingerprint: rows[0]!.h };
}

/** Indexes that are not valid or not ready (a failed CREATE INDEX during restore leaves these). */
export async function invalidIndexes(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ i: string }>(
    `select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as i from pg_index x join pg_class c on c.oid = x.indexrelid join pg_namespace n on n.oid = c.relnamespace
      where not (x.indisvalid and x.indisready) order by 1`,
  );
  return rows.map((r) => r.i);
}
