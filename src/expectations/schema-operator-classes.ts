// Catalog queries for the user's operator classes and families (with the operators and support functions each
// family holds), conversions, access methods and transforms.
import {
  commentOf,
  definitionOf,
  notExtensionMember,
  qualified,
  userSchema,
  type CaptureScope,
} from './schema-scope.ts';

// Objects without a schema are the user's when created after initdb (oids from FirstNormalObjectId).
const CREATED_BY_USER = (oid: string): string => `${oid} >= 16384`;

const AM = (oid: string): string => `(select quote_ident(amname) from pg_am where oid = ${oid})`;

/** Operator families (their operators and support functions), operator classes. */
export function operatorClassesQuery(scope: CaptureScope): string {
  const family = definitionOf([
    [
      'operators',
      `(select string_agg(o.amopstrategy || ' ' || o.amopopr::regoperator || case o.amoppurpose when 'o' then ' for order by ' || (select ${qualified('sn.nspname', 'sf.opfname')} from pg_opfamily sf join pg_namespace sn on sn.oid = sf.opfnamespace where sf.oid = o.amopsortfamily) else '' end,
          ', ' order by o.amopstrategy, o.amoplefttype::regtype::text, o.amoprighttype::regtype::text) from pg_amop o where o.amopfamily = f.oid)`,
    ],
    [
      'functions',
      `(select string_agg(p.amprocnum || ' (' || format_type(p.amproclefttype, null) || ', ' || format_type(p.amprocrighttype, null) || ') ' || p.amproc::regprocedure,
          ', ' order by p.amprocnum, format_type(p.amproclefttype, null), format_type(p.amprocrighttype, null)) from pg_amproc p where p.amprocfamily = f.oid)`,
    ],
    ['owner', 'pg_get_userbyid(f.opfowner)'],
    ['comment', commentOf('pg_opfamily', 'f.oid')],
  ]);
  const opclass = definitionOf([
    ['type', 'format_type(c.opcintype, null)'],
    ['default', 'c.opcdefault'],
    [
      'family',
      `(select ${qualified('fn.nspname', 'f.opfname')} from pg_opfamily f join pg_namespace fn on fn.oid = f.opfnamespace where f.oid = c.opcfamily)`,
    ],
    ['storage', 'case when c.opckeytype <> 0 then format_type(c.opckeytype, null) end'],
    ['owner', 'pg_get_userbyid(c.opcowner)'],
    ['comment', commentOf('pg_opclass', 'c.oid')],
  ]);
  return `select 'operator family' as kind, 'operator family ' || ${qualified('n.nspname', 'f.opfname')} || ' using ' || ${AM('f.opfmethod')} as name, ${family} as def
            from pg_opfamily f join pg_namespace n on n.oid = f.opfnamespace
           where ${userSchema('n', scope)} and ${notExtensionMember('pg_opfamily', 'f.oid')}
          union all
          select 'operator class', 'operator class ' || ${qualified('n.nspname', 'c.opcname')} || ' using ' || ${AM('c.opcmethod')}, ${opclass}
            from pg_opclass c join pg_namespace n on n.oid = c.opcnamespace
           where ${userSchema('n', scope)} and ${notExtensionMember('pg_opclass', 'c.oid')}`;
}

/** Conversions, access methods and transforms the user created. */
export function conversionsAndMethodsQuery(scope: CaptureScope): string {
  const conversion = definitionOf([
    ['from', 'pg_encoding_to_char(c.conforencoding)'],
    ['to', 'pg_encoding_to_char(c.contoencoding)'],
    ['function', 'c.conproc::regprocedure'],
    ['default', 'c.condefault'],
    ['owner', 'pg_get_userbyid(c.conowner)'],
    ['comment', commentOf('pg_conversion', 'c.oid')],
  ]);
  const method = definitionOf([
    ['type', `case a.amtype when 't' then 'table' when 'i' then 'index' end`],
    ['handler', 'a.amhandler::regprocedure'],
    ['comment', commentOf('pg_am', 'a.oid')],
  ]);
  const transform = definitionOf([
    ['from sql', 'case when t.trffromsql <> 0 then t.trffromsql::regprocedure end'],
    ['to sql', 'case when t.trftosql <> 0 then t.trftosql::regprocedure end'],
    ['comment', commentOf('pg_transform', 't.oid')],
  ]);
  return `select 'conversion' as kind, 'conversion ' || ${qualified('n.nspname', 'c.conname')} as name, ${conversion} as def
            from pg_conversion c join pg_namespace n on n.oid = c.connamespace
           where ${userSchema('n', scope)} and ${notExtensionMember('pg_conversion', 'c.oid')}
          union all
          select 'access method', 'access method ' || quote_ident(a.amname), ${method}
            from pg_am a where ${CREATED_BY_USER('a.oid')} and ${notExtensionMember('pg_am', 'a.oid')}
          union all
          select 'transform', 'transform for ' || format_type(t.trftype, null) || ' language ' || (select quote_ident(lanname) from pg_language where oid = t.trflang), ${transform}
            from pg_transform t where ${CREATED_BY_USER('t.oid')} and ${notExtensionMember('pg_transform', 't.oid')}`;
}
