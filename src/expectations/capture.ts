// Capture what a database contains: counted and hashed in SQL, comparable across a restore.
import type pg from 'pg';
import { ident } from './session.ts';
import { readRoles } from './roles.ts';
import { readDatabaseProperties } from './database-properties.ts';
import type { CaptureOptions, Expectations, SequenceExpectation, TableExpectation } from './types.ts';
import { resolveScope, userRelation, type CaptureScope } from './schema-scope.ts';
import { captureSchemaObjects } from './schema-objects.ts';
import { unpredictableMatviews } from './schema-matviews.ts';

export type { CaptureOptions, Expectations, SequenceExpectation, TableExpectation } from './types.ts';

/** Capture expectations on `client` (run inside the backup's snapshot for exact ones). */
export async function captureExpectations(client: pg.Client, options: CaptureOptions): Promise<Expectations> {
  // regclass and deparsed definitions print relative to search_path: pin it (pg_restore refreshes matviews with it empty).
  const before = (await client.query<{ p: string }>("select current_setting('search_path') as p")).rows[0]!.p;
  await client.query("select set_config('search_path', 'pg_catalog', false)");
  try {
    return await captureWithPinnedPath(client, options);
  } finally {
    // In a transaction a failed capture aborted, this fails too: the capture's own error is the one to report.
    await client.query("select set_config('search_path', $1, false)", [before]).catch(() => undefined);
  }
}

async function captureWithPinnedPath(client: pg.Client, options: CaptureOptions): Promise<Expectations> {
  const meta = await client.query<{ db: string; version: string }>('select current_database() as db, current_setting(\'server_version\') as version');
  const scope = await resolveScope(client);
  const tables = await listTables(client, scope);
  // A restore refreshes materialized views: one whose query is not immutable cannot be predicted.
  if (options.matviewsAsRefreshed) {
    const reasons = await unpredictableMatviews(client, scope);
    for (const table of tables) {
      const why = reasons.get(`${table.schema}.${table.name}`);
      if (why && table.relkind === 'm') table.notComparable = why;
    }
  }
  for (const table of tables) Object.assign(table, await countTable(client, table, options.fingerprints, options.matviewsAsRefreshed ?? false));
  return {
    database: meta.rows[0]!.db,
    serverVersion: meta.rows[0]!.version,
    tables,
    sequences: await readSequences(client, scope),
    largeObjects: await readLargeObjects(client, options.largeObjectContent),
    schemaObjects: await captureSchemaObjects(client, scope),
    extensions: (await client.query<{ e: string }>("select extname || ' ' || extversion as e from pg_extension where extname <> 'plpgsql' order by 1")).rows.map((r) => r.e),
    roles: await readRoles(client),
    databaseProperties: await readDatabaseProperties(client),
  };
}

// Leaf tables and materialized views in user schemas (partitioned parents hold no rows of their own), plus the
// configuration tables of extensions: pg_dump carries their rows (those matching extcondition) though the tables are extension members.
async function listTables(client: pg.Client, scope: CaptureScope): Promise<TableExpectation[]> {
  const { rows } = await client.query<{ schema: string; name: string; relkind: 'r' | 'm'; persistence: 'p' | 'u'; populated: boolean; filter: string | null }>(
    `select n.nspname as schema, c.relname as name, c.relkind::text as relkind, c.relpersistence::text as persistence, c.relispopulated as populated, null as filter
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'm') and c.relpersistence <> 't' and ${userRelation('c', 'n', scope)}
     union all
     select n.nspname, c.relname, c.relkind::text, c.relpersistence::text, c.relispopulated, coalesce(x.extcondition[i], '')
       from pg_extension x cross join generate_subscripts(x.extconfig, 1) i
       join pg_class c on c.oid = x.extconfig[i] join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r'
      order by 1, 2`,
  );
  return rows.map(({ populated, filter, ...r }) => ({
    ...r, ...(populated ? {} : { unpopulated: true }), ...(filter === null ? {} : { extensionFilter: filter }), rows: 0, fingerprint: null,
  }));
}

// One scan per table: row count and, if asked, two 64-bit sums of per-row md5 halves. A table's columns are hashed
// in name order: a dump restores an inheritance child with its inherited columns first, so positions may move
// while every value stays under its name. A materialized view keeps its query's order (restores cannot move it).
async function countTable(client: pg.Client, table: TableExpectation, fingerprint: boolean, matviewsAsRefreshed: boolean): Promise<Pick<TableExpectation, 'rows' | 'fingerprint'>> {
  if (table.unpopulated) return { rows: 0, fingerprint: fingerprint ? 'unpopulated' : null };
  if (table.notComparable) return { rows: 0, fingerprint: null };
  const rel = `${ident(table.schema)}.${ident(table.name)}`;
  const refreshed = table.relkind === 'm' && matviewsAsRefreshed;
  const from = refreshed
    ? `(${await matviewQuery(client, rel)}) t`
    : table.extensionFilter ? `(select * from only ${rel} ${table.extensionFilter}) t` : `only ${rel} t`;
  // A refresh runs the view's query as its owner: so does its expectation (and never with the capture's own rights).
  const scan = <R extends pg.QueryResultRow>(sql: string): Promise<pg.QueryResult<R>> => (refreshed ? asOwnerOf(client, rel, () => client.query<R>(sql)) : client.query<R>(sql));
  if (!fingerprint) {
    const { rows } = await scan<{ n: string }>(`select count(*) as n from ${from}`);
    return { rows: Number(rows[0]!.n), fingerprint: null };
  }
  const row = table.relkind === 'm' ? 'row(t.*)' : `row(${(await columnsByName(client, rel)).map((c) => `t.${ident(c)}`).join(', ')})`;
  const { rows } = await scan<{ n: string; h1: string | null; h2: string | null }>(
    `select count(*) as n,
            sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric) as h1,
            sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric) as h2
       from (select md5(${row}::text) as h from ${from}) s`,
  );
  const r = rows[0]!;
  return { rows: Number(r.n), fingerprint: `${r.h1 ?? 0}:${r.h2 ?? 0}` };
}

// A table's live columns sorted by name (bytewise), the order its fingerprint hashes them in.
async function columnsByName(client: pg.Client, rel: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `select attname as name from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attname collate "C"`,
    [rel],
  );
  return rows.map((r) => r.name);
}

// Run `scan` as the owner of `rel` when this session may become it (SET needs the SET option from 16), then switch back.
async function asOwnerOf<T>(client: pg.Client, rel: string, scan: () => Promise<T>): Promise<T> {
  const { rows } = await client.query<{ me: string; owner: string; can: boolean }>(
    `select current_user as me, c.relowner::regrole::text as owner,
            case when current_setting('server_version_num')::int >= 160000 then pg_has_role(c.relowner, 'SET') else pg_has_role(c.relowner, 'MEMBER') end as can
       from pg_class c where c.oid = $1::regclass`,
    [rel],
  );
  const { me, owner, can } = rows[0]!;
  if (!can) return scan();
  await client.query(`set role ${owner}`);
  let result: T;
  try {
    result = await scan();
  } catch (error) {
    // In an aborted transaction the switch back fails too (and the rollback undoes the SET): keep the scan's error.
    await client.query(`set role ${ident(me)}`).catch(() => undefined);
    throw error;
  }
  await client.query(`set role ${ident(me)}`);
  return result;
}

// The defining query of a materialized view, runnable as a subquery.
async function matviewQuery(client: pg.Client, rel: string): Promise<string> {
  const { rows } = await client.query<{ def: string }>('select pg_get_viewdef($1::regclass) as def', [rel]);
  return rows[0]!.def.trim().replace(/;$/, '');
}

// Sequence positions (non-transactional: a restore must be at or past them), extensions' configuration sequences included.
async function readSequences(client: pg.Client, scope: CaptureScope): Promise<SequenceExpectation[]> {
  const { rows: seqs } = await client.query<{ schema: string; name: string }>(
    `select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'S' and (${userRelation('c', 'n', scope)} or c.oid in (select unnest(extconfig) from pg_extension)) order by 1, 2`,
  );
  const result: SequenceExpectation[] = [];
  for (const s of seqs) {
    const { rows } = await client.query<{ last_value: string; is_called: boolean }>(`select last_value::text, is_called from ${ident(s.schema)}.${ident(s.name)}`);
    result.push({ ...s, lastValue: rows[0]!.last_value, isCalled: rows[0]!.is_called });
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
    `select n.nspname || '.' || c.relname as i from pg_index x join pg_class c on c.oid = x.indexrelid join pg_namespace n on n.oid = c.relnamespace
      where not (x.indisvalid and x.indisready) order by 1`,
  );
  return rows.map((r) => r.i);
}
