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

// An ACL's items as aclitem text, the role `from` spelled as the bootstrap superuser (oid 10), duplicates once.
// A role's spelling in an aclitem is read off one made for it (`name=U/name`), quoted exactly as the item quotes it.
function aclTextAsBootstrap(acl: string, defaultKind: string, from: string): string {
  const spelled = (role: string): string =>
    `(select left(t, (length(t) - 3) / 2) from (select makeaclitem(${role}, ${role}, 'USAGE', false)::text as t) s)`;
  const grantee = `case when left(a::text, length(f.name) + 1) = f.name || '=' then f.boot || substr(a::text, length(f.name) + 1) else a::text end`;
  const item = `case when right(g, length(f.name) + 1) = '/' || f.name then left(g, length(g) - length(f.name)) || f.boot else g end`;
  return `coalesce((select string_agg(distinct m collate "C", ' ' order by m collate "C")
                      from (select ${spelled(from)} as name, ${spelled('10::oid')} as boot) f,
                           unnest(coalesce(${acl}, acldefault(${defaultKind}, ${from}))) a,
                           lateral (select ${grantee} as g) gr,
                           lateral (select ${item} as m) it), '')`;
}

/**
 * Objects of pg_catalog (the schema itself included) and extension members whose privileges are not their initial
 * ones, with their privileges now. Which privileges are initial differs between majors and extension versions, so
 * only the change is an object here: one the source did not change is absent on both sides.
 *
 * A dump recreates an extension as the role that restores it, the bootstrap superuser: members that belonged to
 * another superuser, their extension's owner, come back belonging to the bootstrap, and so do the grants made on them.
 * Such members' privileges are spelled with that owner as the bootstrap, on both sides, so a sound restore compares
 * equal and a grant or revoke lost still differs. A member whose owner is not a superuser, or not its extension's
 * owner, is spelled as it is: a dump cannot give it back that owner, and the comparison says so.
 */
export function initialPrivilegesQuery(): string {
  const plain = aclText('o.acl', 'o.dk', 'o.owner');
  return `select 'privileges' as kind, 'privileges on ' || o.what || ' ' || o.ident as name,
                 jsonb_build_object('acl', case when ext.as_bootstrap then ${aclTextAsBootstrap('o.acl', 'o.dk', 'o.owner')} else ${plain} end) as def
            from (${OBJECTS}) o left join pg_init_privs ip on ip.classoid = o.classid and ip.objoid = o.objid and ip.objsubid = o.objsubid
                 cross join lateral (
                   select o.owner <> 10
                          and exists (select 1 from pg_roles r where r.oid = o.owner and r.rolsuper)
                          and exists (select 1 from pg_depend member join pg_extension x on x.oid = member.refobjid
                                       where member.classid = o.memberclass and member.objid = o.memberoid and member.deptype = 'e'
                                         and member.refclassid = 'pg_extension'::regclass and x.extowner = o.owner) as as_bootstrap) ext
           where (o.nsp = 'pg_catalog'
                  or exists (select 1 from pg_depend member where member.classid = o.memberclass and member.objid = o.memberoid and member.deptype = 'e'))
             and ${plain} <> ${sorted('coalesce(ip.initprivs, acldefault(o.dk, o.owner))')}`;
}
