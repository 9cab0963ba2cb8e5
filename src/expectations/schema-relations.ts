// Catalog queries for relations and their columns: one set-based query each, deparsed by the server itself.
import {
  aclText,
  commentOf,
  definitionOf,
  optionsText,
  qualified,
  userRelation,
  type CaptureScope,
} from './schema-scope.ts';

const RELATION_KIND = `case c.relkind when 'r' then 'table' when 'p' then 'table' when 'v' then 'view' when 'm' then 'materialized view'
                                     when 'S' then 'sequence' when 'f' then 'foreign table' end`;

/** Tables, views, materialized views, sequences and foreign tables with owner, ACL, options and their own definition. */
export function relationsQuery(scope: CaptureScope): string {
  const definition = definitionOf([
    ['owner', 'pg_get_userbyid(c.relowner)'],
    ['acl', aclText('c.relacl', `case when c.relkind = 'S' then 's' else 'r' end::"char"`, 'c.relowner')],
    ['comment', commentOf('pg_class', 'c.oid')],
    ['persistence', `case c.relpersistence when 'u' then 'unlogged' end`],
    ['options', optionsText('c.reloptions')],
    ['toast options', `(select ${optionsText('tc.reloptions')} from pg_class tc where tc.oid = c.reltoastrelid)`],
    ['tablespace', '(select spcname from pg_tablespace where oid = c.reltablespace)'],
    ['access method', `case when c.relkind in ('r', 'm') then (select amname from pg_am where oid = c.relam) end`],
    ['partition key', `case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end`],
    [
      'partition of',
      `case when c.relispartition then (select ${qualified('pn.nspname', 'pc.relname')} from pg_inherits i join pg_class pc on pc.oid = i.inhparent join pg_namespace pn on pn.oid = pc.relnamespace where i.inhrelid = c.oid) || ' ' || pg_get_expr(c.relpartbound, c.oid) end`,
    ],
    [
      'inherits',
      `case when not c.relispartition then (select string_agg(${qualified('pn.nspname', 'pc.relname')}, ', ' order by i.inhseqno) from pg_inherits i join pg_class pc on pc.oid = i.inhparent join pg_namespace pn on pn.oid = pc.relnamespace where i.inhrelid = c.oid) end`,
    ],
    ['of type', 'case when c.reloftype <> 0 then format_type(c.reloftype, null) end'],
    [
      'replica identity',
      `case when c.relkind in ('r', 'p') then case c.relreplident when 'd' then 'default' when 'n' then 'nothing' when 'f' then 'full'
       when 'i' then 'index ' || coalesce((select quote_ident(ic.relname) from pg_index x join pg_class ic on ic.oid = x.indexrelid where x.indrelid = c.oid and x.indisreplident), '?') end end`,
    ],
    ['row security', `case when c.relkind in ('r', 'p') then c.relrowsecurity end`],
    ['force row security', `case when c.relkind in ('r', 'p') then c.relforcerowsecurity end`],
    ['definition', `case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end`],
    ['populated', `case when c.relkind = 'm' then c.relispopulated end`],
    [
      'server',
      `(select quote_ident(s.srvname) from pg_foreign_table ft join pg_foreign_server s on s.oid = ft.ftserver where ft.ftrelid = c.oid)`,
    ],
    ['foreign options', `(select ${optionsText('ft.ftoptions')} from pg_foreign_table ft where ft.ftrelid = c.oid)`],
    ['type', 'format_type(s.seqtypid, null)'],
    ['start', 's.seqstart'],
    ['increment', 's.seqincrement'],
    ['minimum', 's.seqmin'],
    ['maximum', 's.seqmax'],
    ['cache', 's.seqcache'],
    ['cycle', 's.seqcycle'],
    // OWNED BY (deptype a) or the identity column it serves (deptype i).
    [
      'owned by',
      `case when c.relkind = 'S' then (select ${qualified('tn.nspname', 'tc.relname')} || '.' || quote_ident(a.attname) || case d.deptype when 'i' then ' (identity)' else '' end
       from pg_depend d join pg_class tc on tc.oid = d.refobjid join pg_namespace tn on tn.oid = tc.relnamespace
       join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')) end`,
    ],
  ]);
  return `select ${RELATION_KIND} as kind, ${RELATION_KIND} || ' ' || ${qualified('n.nspname', 'c.relname')} as name, ${definition} as def
            from pg_class c join pg_namespace n on n.oid = c.relnamespace left join pg_sequence s on s.seqrelid = c.oid
           where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f') and c.relpersistence <> 't' and ${userRelation('c', 'n', scope)}`;
}

/** Columns of tables, views, materialized views and foreign tables: position, type, default, collation, identity, generation, ACL, comment. */
export function columnsQuery(scope: CaptureScope): string {
  const definition = definitionOf([
    // Position among live columns: a restore compacts dropped columns away, the order of the rest must hold. pg_dump
    // recreates an inheritance child with INHERITS, which puts the inherited columns first in its parents' order:
    // there only the child's own columns keep their order (after the inherited ones, which its parents' columns fix).
    [
      'position',
      `case when c.relispartition or not exists (select 1 from pg_inherits i where i.inhrelid = c.oid)
       then (row_number() over (partition by a.attrelid order by a.attnum))::text
       when a.attinhcount = 0 then 'after the inherited columns: ' || row_number() over (partition by a.attrelid, a.attinhcount = 0 order by a.attnum) end`,
    ],
    ['type', 'format_type(a.atttypid, a.atttypmod)'],
    ['not null', 'a.attnotnull'],
    ['default', `case when a.attgenerated = '' then pg_get_expr(ad.adbin, ad.adrelid) end`],
    [
      'generated',
      `case a.attgenerated when 's' then 'stored' when 'v' then 'virtual' end || ' as ' || pg_get_expr(ad.adbin, ad.adrelid)`,
    ],
    ['identity', `case a.attidentity when 'a' then 'always' when 'd' then 'by default' end`],
    [
      'collation',
      `case when a.attcollation <> 0 then (select ${qualified('cn.nspname', 'co.collname')} from pg_collation co join pg_namespace cn on cn.oid = co.collnamespace where co.oid = a.attcollation) end`,
    ],
    [
      'storage',
      `case a.attstorage when 'p' then 'plain' when 'e' then 'external' when 'm' then 'main' when 'x' then 'extended' end`,
    ],
    ...(scope.versionNum >= 140000 ? [['compression', `nullif(a.attcompression::text, '')`] as const] : []),
    // 17 made attstattarget nullable: NULL there and -1 before both mean the default target.
    ['statistics', 'nullif(coalesce(a.attstattarget::int, -1), -1)'],
    // PostgreSQL 17.12 stamps every column it creates with pg_attver (no user can set it): a restore renews it.
    ['options', optionsText(`array(select o from unnest(a.attoptions) o where o !~ '^pg_attver=')`)],
    ['foreign options', optionsText('a.attfdwoptions')],
    ['acl', aclText('a.attacl', null, 'c.relowner')],
    ['comment', commentOf('pg_class', 'a.attrelid', 'a.attnum')],
  ]);
  return `select 'column' as kind, 'column ' || ${qualified('n.nspname', 'c.relname')} || '.' || quote_ident(a.attname) as name, ${definition} as def
            from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
            left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
           where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm', 'f') and c.relpersistence <> 't' and ${userRelation('c', 'n', scope)}`;
}
