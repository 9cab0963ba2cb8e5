// Privileges pg_dump carries for objects it does not create: those of pg_catalog and of extension members, dumped as
// GRANT / REVOKE wherever they differ from the initial privileges initdb or CREATE EXTENSION set (pg_init_privs).
import { aclText, qualified } from './schema-scope.ts';

// Every object kind that carries an ACL pg_dump may dump for such objects: [catalog, kind, acldefault letter].
const OBJECTS = `
  select 'pg_class'::regclass as classid, c.oid as objid, 0 as objsubid, c.oid as memberoid, 'pg_class'::regclass as memberclass,
         case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' when 'f' then 'foreign table' else 'table' end as what,
         ${qualified('n.nspname', 'c.relname')} as ident, c.relacl as acl, case when c.relkind = 'S' then 's' else 'r' end::"char" as dk, c.relowner as owner, n.nspname as nsp
    from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
  union all
  select 'pg_class'::regclass, c.oid, a.attnum, c.oid, 'pg_class'::regclass, 'column',
         ${qualified('n.nspname', 'c.relname')} || '.' || quote_ident(a.attname), a.attacl, 'c'::"char", c.relowner, n.nspname
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
   where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm', 'f')
  union all
  select 'pg_proc'::regclass, p.oid, 0, p.oid, 'pg_proc'::regclass, case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end,
         ${qualified('n.nspname', 'p.proname')} || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.proacl, 'f'::"char", p.proowner, n.nspname
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  union all
  select 'pg_type'::regclass, t.oid, 0, t.oid, 'pg_type'::regclass, case t.typtype when 'd' then 'domain' else 'type' end,
         ${qualified('n.nspname', 't.typname')}, t.typacl, 'T'::"char", t.typowner, n.nspname
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
  union all
  select 'pg_namespace'::regclass, n.oid, 0, n.oid, 'pg_namespace'::regclass, 'schema', quote_ident(n.nspname), n.nspacl, 'n'::"char", n.nspowner,
         case when n.nspname = 'pg_catalog' then 'pg_catalog' end
    from pg_namespace n
  union all
  select 'pg_language'::regclass, l.oid, 0, l.oid, 'pg_language'::regclass, 'language', quote_ident(l.lanname), l.lanacl, 'l'::"char", l.lanowner, null
    from pg_language l
  union all
  select 'pg_foreign_data_wrapper'::regclass, w.oid, 0, w.oid, 'pg_foreign_data_wrapper'::regclass, 'foreign-data wrapper', quote_ident(w.fdwname), w.fdwacl, 'F'::"char", w.fdwowner, null
    from pg_foreign_data_wrapper w
  union all
  select 'pg_foreign_server'::regclass, s.oid, 0, s.oid, 'pg_foreign_server'::regclass, 'server', quote_ident(s.srvname), s.srvacl, 'S'::"char", s.srvowner, null
    from pg_foreign_server s`;

const sorted = (acl: string): string =>
  `coalesce((select string_agg(a::text, ' ' order by a::text collate "C") from unnest(${acl}) a), '')`;

/**
 * Objects of pg_catalog (the schema itself included) and extension members whose privileges are not their initial
 * ones, with their privileges now. Which privileges are initial differs between majors and extension versions, so
 * only the change is an object here: one the source did not change is absent on both sides.
 */
export function initialPrivilegesQuery(): string {
  return `select 'privileges' as kind, 'privileges on ' || o.what || ' ' || o.ident as name,
                 jsonb_build_object('acl', ${aclText('o.acl', 'o.dk', 'o.owner')}) as def
            from (${OBJECTS}) o left join pg_init_privs ip on ip.classoid = o.classid and ip.objoid = o.objid and ip.objsubid = o.objsubid
           where (o.nsp = 'pg_catalog'
                  or exists (select 1 from pg_depend member where member.classid = o.memberclass and member.objid = o.memberoid and member.deptype = 'e'))
             and ${aclText('o.acl', 'o.dk', 'o.owner')} <> ${sorted('coalesce(ip.initprivs, acldefault(o.dk, o.owner))')}`;
}
