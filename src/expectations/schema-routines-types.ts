// Catalog queries for functions, procedures, aggregates, types, domains, collations and operators.
import {
  aclText,
  commentOf,
  definitionOf,
  notExtensionMember,
  qualified,
  userSchema,
  type CaptureScope,
} from './schema-scope.ts';

const ROUTINE_KIND = `case p.prokind when 'a' then 'aggregate' when 'p' then 'procedure' when 'w' then 'window function' else 'function' end`;

// An aggregate has no pg_get_functiondef: spell its CREATE AGGREGATE parameters from pg_aggregate.
const AGGREGATE = `(select concat_ws(', ',
    'sfunc=' || ag.aggtransfn::regprocedure, 'stype=' || format_type(ag.aggtranstype, null),
    nullif('sspace=' || ag.aggtransspace, 'sspace=0'),
    case when ag.aggfinalfn <> 0 then 'finalfunc=' || ag.aggfinalfn::regprocedure end,
    case when ag.aggfinalextra then 'finalfunc_extra' end, 'finalfunc_modify=' || ag.aggfinalmodify::text,
    case when ag.aggcombinefn <> 0 then 'combinefunc=' || ag.aggcombinefn::regprocedure end,
    case when ag.aggserialfn <> 0 then 'serialfunc=' || ag.aggserialfn::regprocedure end,
    case when ag.aggdeserialfn <> 0 then 'deserialfunc=' || ag.aggdeserialfn::regprocedure end,
    'initcond=' || quote_literal(ag.agginitval),
    case when ag.aggmtransfn <> 0 then 'msfunc=' || ag.aggmtransfn::regprocedure end,
    case when ag.aggminvtransfn <> 0 then 'minvfunc=' || ag.aggminvtransfn::regprocedure end,
    case when ag.aggmtranstype <> 0 then 'mstype=' || format_type(ag.aggmtranstype, null) end,
    case when ag.aggmfinalfn <> 0 then 'mfinalfunc=' || ag.aggmfinalfn::regprocedure end,
    'minitcond=' || quote_literal(ag.aggminitval),
    case when ag.aggsortop <> 0 then 'sortop=' || ag.aggsortop::regoperator end,
    'kind=' || ag.aggkind::text, nullif('direct args=' || ag.aggnumdirectargs, 'direct args=0'),
    'parallel=' || p.proparallel::text, 'arguments=' || pg_get_function_arguments(p.oid))
  from pg_aggregate ag where ag.aggfnoid = p.oid)`;

/** Functions and procedures by pg_get_functiondef (body, language, volatility, SET, security); aggregates by their parameters. */
export function routinesQuery(scope: CaptureScope): string {
  const definition = definitionOf([
    ['definition', `case when p.prokind <> 'a' then pg_get_functiondef(p.oid) end`],
    ['aggregate', `case when p.prokind = 'a' then ${AGGREGATE} end`],
    ['owner', 'pg_get_userbyid(p.proowner)'],
    ['acl', aclText('p.proacl', "'f'", 'p.proowner')],
    ['comment', commentOf('pg_proc', 'p.oid')],
  ]);
  return `select ${ROUTINE_KIND} as kind, ${ROUTINE_KIND} || ' ' || ${qualified('n.nspname', 'p.proname')} || '(' || pg_get_function_identity_arguments(p.oid) || ')' as name, ${definition} as def
            from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where ${userSchema('n', scope)} and ${notExtensionMember('pg_proc', 'p.oid')}`;
}

/** Enums, domains, ranges, standalone composite and base types; a table's row type and implicit array types are not separate objects. */
export function typesQuery(scope: CaptureScope): string {
  const kind = `case t.typtype when 'd' then 'domain' else 'type' end`;
  const definition = definitionOf([
    [
      'kind',
      `case t.typtype when 'e' then 'enum' when 'd' then 'domain' when 'r' then 'range' when 'c' then 'composite' when 'b' then 'base' end`,
    ],
    [
      'labels',
      `case when t.typtype = 'e' then (select string_agg(quote_literal(e.enumlabel), ', ' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid) end`,
    ],
    ['base type', `case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end`],
    ['default', `case when t.typtype = 'd' then coalesce(pg_get_expr(t.typdefaultbin, 0), t.typdefault) end`],
    ['not null', `case when t.typtype = 'd' then t.typnotnull end`],
    [
      'collation',
      `case when t.typcollation <> 0 then (select ${qualified('cn.nspname', 'co.collname')} from pg_collation co join pg_namespace cn on cn.oid = co.collnamespace where co.oid = t.typcollation) end`,
    ],
    [
      'range',
      `case when t.typtype = 'r' then (select concat_ws(', ', 'subtype=' || format_type(r.rngsubtype, null), 'opclass=' || (select opcname from pg_opclass where oid = r.rngsubopc),
       case when r.rngcollation <> 0 then 'collation=' || r.rngcollation::regcollation end, case when r.rngcanonical <> 0 then 'canonical=' || r.rngcanonical::regprocedure end,
       case when r.rngsubdiff <> 0 then 'subdiff=' || r.rngsubdiff::regprocedure end${scope.versionNum >= 140000 ? `, 'multirange=' || format_type(r.rngmultitypid, null)` : ''})
       from pg_range r where r.rngtypid = t.oid) end`,
    ],
    [
      'attributes',
      `case when t.typtype = 'c' then (select string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
       || case when a.attcollation <> 0 then ' collate ' || a.attcollation::regcollation else '' end, ', ' order by a.attnum)
       from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped) end`,
    ],
    [
      'base',
      `case when t.typtype = 'b' then concat_ws(', ', 'input=' || t.typinput::regprocedure, 'output=' || t.typoutput::regprocedure,
       case when t.typreceive <> 0 then 'receive=' || t.typreceive::regprocedure end, case when t.typsend <> 0 then 'send=' || t.typsend::regprocedure end,
       case when t.typmodin <> 0 then 'typmod_in=' || t.typmodin::regprocedure end, case when t.typmodout <> 0 then 'typmod_out=' || t.typmodout::regprocedure end,
       case when t.typanalyze <> 0 then 'analyze=' || t.typanalyze::regprocedure end, 'internallength=' || t.typlen, 'passedbyvalue=' || t.typbyval,
       'alignment=' || t.typalign::text, 'storage=' || t.typstorage::text, 'category=' || t.typcategory::text, 'preferred=' || t.typispreferred,
       'delimiter=' || quote_literal(t.typdelim::text), case when t.typelem <> 0 then 'element=' || format_type(t.typelem, null) end) end`,
    ],
    ['owner', 'pg_get_userbyid(t.typowner)'],
    ['acl', aclText('t.typacl', "'T'", 't.typowner')],
    ['comment', commentOf('pg_type', 't.oid')],
  ]);
  return `select ${kind} as kind, ${kind} || ' ' || ${qualified('n.nspname', 't.typname')} as name, ${definition} as def
            from pg_type t join pg_namespace n on n.oid = t.typnamespace
           where t.typtype in ('b', 'c', 'd', 'e', 'r') and ${userSchema('n', scope)} and ${notExtensionMember('pg_type', 't.oid')}
             and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
             and not exists (select 1 from pg_type el where el.oid = t.typelem and el.typarray = t.oid)`;
}

/** User collations: provider, locale, determinism. */
export function collationsQuery(scope: CaptureScope): string {
  // The ICU locale column was colliculocale in 15 and 16, colllocale from 17; older majors kept it in collcollate.
  const locale =
    scope.versionNum >= 170000 ? 'c.colllocale' : scope.versionNum >= 150000 ? 'c.colliculocale' : 'null::text';
  const definition = definitionOf([
    [
      'provider',
      `case c.collprovider when 'c' then 'libc' when 'i' then 'icu' when 'b' then 'builtin' when 'd' then 'default' end`,
    ],
    ['collate', 'c.collcollate'],
    ['ctype', 'c.collctype'],
    ['locale', locale],
    ['deterministic', 'c.collisdeterministic'],
    ['owner', 'pg_get_userbyid(c.collowner)'],
    ['comment', commentOf('pg_collation', 'c.oid')],
  ]);
  return `select 'collation' as kind, 'collation ' || ${qualified('n.nspname', 'c.collname')} as name, ${definition} as def
            from pg_collation c join pg_namespace n on n.oid = c.collnamespace
           where ${userSchema('n', scope)} and ${notExtensionMember('pg_collation', 'c.oid')}`;
}

/** User operators: the function behind them and their planner properties. */
export function operatorsQuery(scope: CaptureScope): string {
  const definition = definitionOf([
    ['function', 'o.oprcode::regprocedure'],
    ['commutator', 'case when o.oprcom <> 0 then o.oprcom::regoperator end'],
    ['negator', 'case when o.oprnegate <> 0 then o.oprnegate::regoperator end'],
    ['restrict', 'case when o.oprrest <> 0 then o.oprrest::regprocedure end'],
    ['join', 'case when o.oprjoin <> 0 then o.oprjoin::regprocedure end'],
    ['hashes', 'o.oprcanhash'],
    ['merges', 'o.oprcanmerge'],
    ['owner', 'pg_get_userbyid(o.oprowner)'],
    ['comment', commentOf('pg_operator', 'o.oid')],
  ]);
  return `select 'operator' as kind, 'operator ' || o.oid::regoperator as name, ${definition} as def
            from pg_operator o join pg_namespace n on n.oid = o.oprnamespace
           where ${userSchema('n', scope)} and ${notExtensionMember('pg_operator', 'o.oid')}`;
}
