// Materialized views whose content a restore cannot reproduce: pg_restore refreshes them, and a query that calls a
// function that is not immutable (now(), random(), ...) or reads what the dump does not carry gives other rows.
import type pg from 'pg';
import { userRelation, type CaptureScope } from './schema-scope.ts';
import { relationKey } from './names.ts';

// CURRENT_USER, CURRENT_ROLE and USER: a refresh runs the query as the view's owner, and so does its expectation
// (SQLValueFunction ops 9-11 up to 15, calls of pg_catalog.current_user() from 16).
const CURRENT_USER = `(t.tree ~ '\\{SQLVALUEFUNCTION :op (9|10|11) ' or t.tree ~ ':funcid 745 ')`;

/**
 * Why each unpredictable materialized view (by key) cannot be predicted, read from the catalog: the stored
 * query tree of its _RETURN rule (and of the views and matviews it reads). pg_depend cannot answer this, because
 * dependencies on built-in objects such as now() are never recorded; the tree names every function (funcid,
 * opfuncid, aggfnoid, winfnoid), operator (opno) and relation (relid) it uses.
 */
export async function unpredictableMatviews(client: pg.Client, scope: CaptureScope): Promise<Map<string, string>> {
  const { rows } = await client.query<{ schema: string; name: string; why: string }>(
    `with recursive reads(root, rel) as (
       select c.oid, c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'm' and ${userRelation('c', 'n', scope)}
       union
       select r.root, v.oid from reads r join pg_rewrite w on w.ev_class = r.rel and w.rulename = '_RETURN'
         cross join lateral regexp_matches(w.ev_action::text, ':relid (\\d+)', 'g') m
         join pg_class v on v.oid = m[1]::oid and v.oid <> r.rel and v.relkind in ('v', 'm')
          and v.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)),
     trees as (
       select r.root, w.ev_action::text as tree from reads r join pg_rewrite w on w.ev_class = r.rel and w.rulename = '_RETURN'),
     functions as (
       select t.root, m[1]::oid as fn from trees t cross join lateral regexp_matches(t.tree, ':(?:funcid|opfuncid|aggfnoid|winfnoid) (\\d+)', 'g') m
       union
       select t.root, o.oprcode::oid from trees t cross join lateral regexp_matches(t.tree, ':opno (\\d+)', 'g') m join pg_operator o on o.oid = m[1]::oid),
     reasons as (
       select f.root, 'calls ' || p.oid::regprocedure || ' (' || case p.provolatile when 'v' then 'volatile' else 'stable' end || ')' as why
         from functions f join pg_proc p on p.oid = f.fn where p.provolatile <> 'i' and p.oid <> 'pg_catalog.current_user()'::regprocedure
       union
       select t.root, 'uses CURRENT_DATE, CURRENT_TIMESTAMP, SESSION_USER or another SQL value function' from trees t where t.tree ~ '\\{SQLVALUEFUNCTION :op (?!(9|10|11) )'
       union
       select t.root, 'uses CURRENT_USER, and this session cannot act as its owner ' || pg_get_userbyid(c.relowner) || ', as a refresh does'
         from trees t join pg_class c on c.oid = t.root
        where ${CURRENT_USER} and not case when current_setting('server_version_num')::int >= 160000 then pg_has_role(c.relowner, 'SET') else pg_has_role(c.relowner, 'MEMBER') end
       union
       select t.root, case when c.relkind = 'f' then 'reads foreign table ' else 'reads system catalog ' end || quote_ident(n.nspname) || '.' || quote_ident(c.relname)
         from trees t cross join lateral regexp_matches(t.tree, ':relid (\\d+)', 'g') m
         join pg_class c on c.oid = m[1]::oid join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'f' or n.nspname in ('pg_catalog', 'information_schema'))
     select n.nspname as schema, c.relname as name, string_agg(why, ', ' order by why collate "C") as why
       from reasons r join pg_class c on c.oid = r.root join pg_namespace n on n.oid = c.relnamespace
      group by 1, 2`,
  );
  return new Map(rows.map((r) => [relationKey(r), r.why]));
}
