// Materialized views that read other materialized views: pg_restore refreshes the lower ones first, so an upper
// one's content after a restore is its query over the lower ones' refreshed rows, not over the rows they stored.
import type pg from 'pg';
import { relationKey } from './names.ts';
import { userRelation, type CaptureScope } from './schema-scope.ts';

/** A materialized view an upper one reads (directly, or through views and other materialized views). */
export interface LowerMatview {
  schema: string;
  name: string;
  populated: boolean;
}

/** For each user materialized view that reads another materialized view: the ones it reads, by the upper one's key. */
export async function matviewsReadBy(client: pg.Client, scope: CaptureScope): Promise<Map<string, LowerMatview[]>> {
  const { rows } = await client.query<{
    schema: string;
    name: string;
    lower_schema: string;
    lower_name: string;
    populated: boolean;
  }>(
    `with recursive reads(root, rel) as (
       select c.oid, c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'm' and ${userRelation('c', 'n', scope)}
       union
       select r.root, v.oid from reads r join pg_rewrite w on w.ev_class = r.rel and w.rulename = '_RETURN'
         cross join lateral regexp_matches(w.ev_action::text, ':relid (\\d+)', 'g') m
         join pg_class v on v.oid = m[1]::oid and v.oid <> r.rel and v.relkind in ('v', 'm'))
     select un.nspname as schema, uc.relname as name, ln.nspname as lower_schema, lc.relname as lower_name, lc.relispopulated as populated
       from reads r join pg_class uc on uc.oid = r.root join pg_namespace un on un.oid = uc.relnamespace
       join pg_class lc on lc.oid = r.rel join pg_namespace ln on ln.oid = lc.relnamespace
      where r.rel <> r.root and lc.relkind = 'm'
      order by 1, 2, 3, 4`,
  );
  const reads = new Map<string, LowerMatview[]>();
  for (const r of rows) {
    const key = relationKey(r);
    reads.set(key, [...(reads.get(key) ?? []), { schema: r.lower_schema, name: r.lower_name, populated: r.populated }]);
  }
  return reads;
}
