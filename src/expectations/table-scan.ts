// Count and hash one table or materialized view in a single scan, as stored or as a refresh would compute it.
import type pg from 'pg';
import { ident } from './session.ts';
import type { TableExpectation } from './types.ts';
import { rowHashExpression, VALUE_HASH_SEEDS, type FingerprintAlgorithm, type HashedColumn } from './row-hash.ts';

/**
 * One scan per table: row count and, if asked, a 128-bit fingerprint as two 64-bit sums of per-row hashes, by
 * `algorithm`. With `matviewsAsRefreshed`, a materialized view's query is run (as its owner) instead of reading what it stores.
 */
// A table's columns are hashed in name order: a dump restores an inheritance child with its inherited columns first,
// so positions may move while every value stays under its name. A materialized view keeps its query's order.
export async function countTable(
  client: pg.Client,
  table: TableExpectation,
  fingerprint: FingerprintAlgorithm | null,
  matviewsAsRefreshed: boolean,
): Promise<Pick<TableExpectation, 'rows' | 'fingerprint'>> {
  if (table.unpopulated) return { rows: 0, fingerprint: fingerprint ? 'unpopulated' : null };
  if (table.notComparable) return { rows: 0, fingerprint: null };
  const rel = `${ident(table.schema)}.${ident(table.name)}`;
  const refreshed = table.relkind === 'm' && matviewsAsRefreshed;
  const columns = fingerprint || refreshed ? await hashedColumns(client, rel, table.relkind === 'm') : [];
  // The view's query under the view's own column names (what its rows are read by, as if stored).
  const from = refreshed
    ? `(${await matviewQuery(client, rel)}) t${columns.length ? `(${columns.map((c) => ident(c.name)).join(', ')})` : ''}`
    : table.extensionFilter
      ? `(select * from only ${rel} ${table.extensionFilter}) t`
      : `only ${rel} t`;
  // A refresh runs the view's query as its owner: so does its expectation (and never with the capture's own rights).
  const scan = <R extends pg.QueryResultRow>(sql: string): Promise<pg.QueryResult<R>> =>
    refreshed ? asOwnerOf(client, rel, () => client.query<R>(sql)) : client.query<R>(sql);
  if (!fingerprint) {
    const { rows } = await scan<{ n: string }>(`select count(*) as n from ${from}`);
    return { rows: Number(rows[0]!.n), fingerprint: null };
  }
  const { rows } = await scan<{ n: string; h1: string | null; h2: string | null }>(
    fingerprintQuery(fingerprint, columns, table.relkind === 'm', from),
  );
  const r = rows[0]!;
  return { rows: Number(r.n), fingerprint: `${r.h1 ?? 0}:${r.h2 ?? 0}` };
}

// Count and two 64-bit sums in one scan (sums of bigint are exact: numeric results over a 128-bit accumulator).
function fingerprintQuery(
  algorithm: FingerprintAlgorithm,
  columns: readonly HashedColumn[],
  queryOrder: boolean,
  from: string,
): string {
  if (algorithm === 'value-hash') {
    const [s1, s2] = VALUE_HASH_SEEDS;
    return `select count(*) as n, sum(${rowHashExpression(columns, 't', s1)}) as h1, sum(${rowHashExpression(columns, 't', s2)}) as h2 from ${from}`;
  }
  const row = queryOrder ? 'row(t.*)' : `row(${columns.map((c) => `t.${ident(c.name)}`).join(', ')})`;
  return `select count(*) as n,
            sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric) as h1,
            sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric) as h2
       from (select md5(${row}::text) as h from ${from}) s`;
}

// A relation's live columns with their types: a table's sorted by name (bytewise), the order its fingerprint
// hashes them in; a materialized view's in its query's order.
async function hashedColumns(client: pg.Client, rel: string, queryOrder: boolean): Promise<HashedColumn[]> {
  const { rows } = await client.query<{ name: string; builtin_type: string | null; typmod: number }>(
    `select a.attname as name, case when t.typnamespace = 'pg_catalog'::regnamespace then t.typname::text end as builtin_type, a.atttypmod as typmod
       from pg_attribute a join pg_type t on t.oid = a.atttypid
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by ${queryOrder ? 'a.attnum' : 'a.attname collate "C"'}`,
    [rel],
  );
  return rows.map((r) => ({ name: r.name, builtinType: r.builtin_type, typmod: r.typmod }));
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
