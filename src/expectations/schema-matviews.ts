// Materialized views whose content a restore cannot reproduce: pg_restore refreshes them, and a query that calls a
// function that is not immutable (now(), random(), ...) or reads what the dump does not carry gives other rows.
import type pg from 'pg';
import { userRelation, type CaptureScope } from './schema-scope.ts';

/**
 * Why each unpredictable materialized view ("schema.name") cannot be predicted, from the catalog: the functions and
 * operators its query depends on (pg_depend of its _RETURN rule, through the views and matviews it reads) that are
 * not immutable, and the system catalogs or foreign tables it reads.
 */
export async function unpredictableMatviews(client: pg.Client, scope: CaptureScope): Promise<Map<string, string>> {
  const { rows } = await client.query<{ matview: string; why: string }>(
    `with recursive reads(root, rel) as (
       select c.oid, c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'm' and ${userRelation('c', 'n', scope)}
       union
       select r.root, d.refobjid from reads r join pg_rewrite w on w.ev_class = r.rel and w.rulename = '_RETURN'
         join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = w.oid and d.refclassid = 'pg_class'::regclass and d.refobjid <> r.rel
         join pg_class v on v.oid = d.refobjid and v.relkind in ('v', 'm')
          and v.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)),
     deps as (
       select r.root, d.refclassid, d.refobjid from reads r join pg_rewrite w on w.ev_class = r.rel and w.rulename = '_RETURN'
         join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = w.oid),
     reasons as (
       select x.root, 'calls ' || p.oid::regprocedure || ' (' || case p.provolatile when 'v' then 'volatile' else 'stable' end || ')' as why
         from deps x left join pg_operator o on x.refclassid = 'pg_operator'::regclass and o.oid = x.refobjid
         join pg_proc p on p.oid = case when x.refclassid = 'pg_proc'::regclass then x.refobjid else o.oprcode end
        where x.refclassid in ('pg_proc'::regclass, 'pg_operator'::regclass) and p.provolatile <> 'i'
       union
       select x.root, case when c.relkind = 'f' then 'reads foreign table ' else 'reads system catalog ' end || n.nspname || '.' || c.relname
         from deps x join pg_class c on c.oid = x.refobjid and x.refclassid = 'pg_class'::regclass join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'f' or n.nspname in ('pg_catalog', 'information_schema'))
     select n.nspname || '.' || c.relname as matview, string_agg(why, ', ' order by why collate "C") as why
       from reasons r join pg_class c on c.oid = r.root join pg_namespace n on n.oid = c.relnamespace
      group by 1`,
  );
  return new Map(rows.map((r) => [r.matview, r.why]));
}
