// Count and hash one table or materialized view in a single scan, as stored or as a refresh would compute it.
import type pg from 'pg';
import { ident } from './session.ts';
import type { TableExpectation } from './types.ts';

/**
 * One scan per table: row count and, if asked, two 64-bit sums of per-row md5 halves. With `matviewsAsRefreshed`,
 * a materialized view's query is run (as its owner) instead of reading what it stores.
 */
// A table's columns are hashed in name order: a dump restores an inheritance child with its inherited columns first,
// so positions may move while every value stays under its name. A materialized view keeps its query's order.
export async function countTable(client: pg.Client, table: TableExpectation, fingerprint: boolean, matviewsAsRefreshed: boolean): Promise<Pick<TableExpectation, 'rows' | 'fingerprint'>> {
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
