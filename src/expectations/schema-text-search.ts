// Catalog queries for the user's text search objects: configurations with their mappings, dictionaries, templates
// and parsers.
import {
  commentOf,
  definitionOf,
  notExtensionMember,
  qualified,
  userSchema,
  type CaptureScope,
} from './schema-scope.ts';

// A schema-qualified name of a row of `catalog` by oid, e.g. a dictionary's template.
const nameOf = (catalog: string, nameColumn: string, nspColumn: string, oid: string): string =>
  `(select ${qualified('x.nspname', `o.${nameColumn}`)} from ${catalog} o join pg_namespace x on x.oid = o.${nspColumn} where o.oid = ${oid})`;

/** Text search configurations (parser, each token type's dictionaries in order), dictionaries, templates and parsers. */
export function textSearchQuery(scope: CaptureScope): string {
  const configuration = definitionOf([
    ['parser', nameOf('pg_ts_parser', 'prsname', 'prsnamespace', 'c.cfgparser')],
    [
      'mapping',
      `(select string_agg(t.alias || ': ' || m.dicts, '; ' order by t.tokid)
          from ts_token_type(c.cfgparser) t
          join (select maptokentype, string_agg(mapdict::regdictionary::text, ', ' order by mapseqno) as dicts
                  from pg_ts_config_map where mapcfg = c.oid group by maptokentype) m on m.maptokentype = t.tokid)`,
    ],
    ['owner', 'pg_get_userbyid(c.cfgowner)'],
    ['comment', commentOf('pg_ts_config', 'c.oid')],
  ]);
  const dictionary = definitionOf([
    ['template', nameOf('pg_ts_template', 'tmplname', 'tmplnamespace', 'td.dicttemplate')],
    ['options', 'td.dictinitoption'],
    ['owner', 'pg_get_userbyid(td.dictowner)'],
    ['comment', commentOf('pg_ts_dict', 'td.oid')],
  ]);
  const template = definitionOf([
    ['init', `case when t.tmplinit <> 0 then t.tmplinit::regprocedure end`],
    ['lexize', 't.tmpllexize::regprocedure'],
    ['comment', commentOf('pg_ts_template', 't.oid')],
  ]);
  const parser = definitionOf([
    ['start', 'p.prsstart::regprocedure'],
    ['gettoken', 'p.prstoken::regprocedure'],
    ['end', 'p.prsend::regprocedure'],
    ['headline', 'case when p.prsheadline <> 0 then p.prsheadline::regprocedure end'],
    ['lextypes', 'p.prslextype::regprocedure'],
    ['comment', commentOf('pg_ts_parser', 'p.oid')],
  ]);
  return `select 'text search configuration' as kind, 'text search configuration ' || ${qualified('n.nspname', 'c.cfgname')} as name, ${configuration} as def
            from pg_ts_config c join pg_namespace n on n.oid = c.cfgnamespace
           where ${userSchema('n', scope)} and ${notExtensionMember('pg_ts_config', 'c.oid')}
          union all
          select 'text search dictionary', 'text search dictionary ' || ${qualified('n.nspname', 'td.dictname')}, ${dictionary}
            from pg_ts_dict td join pg_namespace n on n.oid = td.dictnamespace
           where ${userSchema('n', scope)} and ${notExtensionMember('pg_ts_dict', 'td.oid')}
          union all
          select 'text search template', 'text search template ' || ${qualified('n.nspname', 't.tmplname')}, ${template}
            from pg_ts_template t join pg_namespace n on n.oid = t.tmplnamespace
           where ${userSchema('n', scope)} and ${notExtensionMember('pg_ts_template', 't.oid')}
          union all
          select 'text search parser', 'text search parser ' || ${qualified('n.nspname', 'p.prsname')}, ${parser}
            from pg_ts_parser p join pg_namespace n on n.oid = p.prsnamespace
           where ${userSchema('n', scope)} and ${notExtensionMember('pg_ts_parser', 'p.oid')}`;
}
