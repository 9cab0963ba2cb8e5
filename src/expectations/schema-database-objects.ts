// Catalog queries for objects of the database outside tables and routines: schemas, default privileges,
// publications, event triggers, foreign-data wrappers, servers, user mappings, casts and languages.
import {
  aclText,
  commentOf,
  definitionOf,
  notExtensionMember,
  optionsText,
  userSchema,
  type CaptureScope,
} from './schema-scope.ts';

/** A user mapping's option names as captured by a role that may not read them (see foreignDataQuery). */
export const OPTIONS_NOT_READABLE = 'not readable by the capturing role';

// Objects without a schema are the user's when created after initdb (oids from FirstNormalObjectId).
const CREATED_BY_USER = (oid: string): string => `${oid} >= 16384`;

/** Schemas (public included: a changed owner, ACL or comment on it is dumped too). */
export function schemasQuery(scope: CaptureScope): string {
  const definition = definitionOf([
    ['owner', 'pg_get_userbyid(n.nspowner)'],
    ['acl', aclText('n.nspacl', "'n'", 'n.nspowner')],
    ['comment', commentOf('pg_namespace', 'n.oid')],
  ]);
  return `select 'schema' as kind, 'schema ' || quote_ident(n.nspname) as name, ${definition} as def
            from pg_namespace n where ${userSchema('n', scope)} and ${notExtensionMember('pg_namespace', 'n.oid')}`;
}

/** ALTER DEFAULT PRIVILEGES entries (pg_default_acl), per role, schema and object type. */
export function defaultPrivilegesQuery(scope: CaptureScope): string {
  return `select 'default privileges' as kind,
                 'default privileges for role ' || quote_ident(pg_get_userbyid(da.defaclrole)) || coalesce(' in schema ' || quote_ident(n.nspname), '') || ' on '
                 || case da.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions' when 'T' then 'types' when 'n' then 'schemas' else da.defaclobjtype::text end as name,
                 ${definitionOf([['acl', aclText('da.defaclacl', null, 'da.defaclrole')]])} as def
            from pg_default_acl da left join pg_namespace n on n.oid = da.defaclnamespace
           where n.oid is null or (${userSchema('n', scope)})`;
}

/** Publications: what they publish, their tables (with row filters and column lists) and schemas. */
export function publicationsQuery(scope: CaptureScope): string {
  const v15 = scope.versionNum >= 150000;
  const table = `quote_ident(tn.nspname) || '.' || quote_ident(tc.relname)${
    v15
      ? ` || coalesce(' (' || (select string_agg(quote_ident(a.attname), ', ' order by a.attnum) from pg_attribute a where a.attrelid = pr.prrelid and a.attnum = any(pr.prattrs)) || ')', '')
        || coalesce(' where ' || pg_get_expr(pr.prqual, pr.prrelid), '')`
      : ''
  }`;
  const definition = definitionOf([
    ['owner', 'pg_get_userbyid(p.pubowner)'],
    ['all tables', 'p.puballtables'],
    [
      'publish',
      `concat_ws(', ', case when p.pubinsert then 'insert' end, case when p.pubupdate then 'update' end, case when p.pubdelete then 'delete' end, case when p.pubtruncate then 'truncate' end)`,
    ],
    ['via root', 'p.pubviaroot'],
    [
      'tables',
      `(select string_agg(${table}, ', ' order by tn.nspname, tc.relname) from pg_publication_rel pr join pg_class tc on tc.oid = pr.prrelid join pg_namespace tn on tn.oid = tc.relnamespace where pr.prpubid = p.oid)`,
    ],
    ...(v15
      ? [
          [
            'schemas',
            `(select string_agg(quote_ident(sn.nspname), ', ' order by sn.nspname) from pg_publication_namespace pn join pg_namespace sn on sn.oid = pn.pnnspid where pn.pnpubid = p.oid)`,
          ] as const,
        ]
      : []),
    ['comment', commentOf('pg_publication', 'p.oid')],
  ]);
  return `select 'publication' as kind, 'publication ' || quote_ident(p.pubname) as name, ${definition} as def
            from pg_publication p where ${notExtensionMember('pg_publication', 'p.oid')}`;
}

/** Event triggers: event, tags, function, enabled state. */
export function eventTriggersQuery(): string {
  const definition = definitionOf([
    ['event', 'e.evtevent'],
    ['tags', `array_to_string(e.evttags, ', ')`],
    ['function', 'e.evtfoid::regprocedure'],
    [
      'enabled',
      `case e.evtenabled when 'O' then 'origin' when 'D' then 'disabled' when 'R' then 'replica' when 'A' then 'always' end`,
    ],
    ['owner', 'pg_get_userbyid(e.evtowner)'],
    ['comment', commentOf('pg_event_trigger', 'e.oid')],
  ]);
  return `select 'event trigger' as kind, 'event trigger ' || quote_ident(e.evtname) as name, ${definition} as def
            from pg_event_trigger e where ${notExtensionMember('pg_event_trigger', 'e.oid')}`;
}

/** Foreign-data wrappers, foreign servers, and user mappings (option names only: their values hold passwords). */
export function foreignDataQuery(): string {
  const wrapper = definitionOf([
    ['handler', 'case when w.fdwhandler <> 0 then w.fdwhandler::regprocedure end'],
    ['validator', 'case when w.fdwvalidator <> 0 then w.fdwvalidator::regprocedure end'],
    ['options', optionsText('w.fdwoptions')],
    ['owner', 'pg_get_userbyid(w.fdwowner)'],
    ['acl', aclText('w.fdwacl', "'F'", 'w.fdwowner')],
    ['comment', commentOf('pg_foreign_data_wrapper', 'w.oid')],
  ]);
  const server = definitionOf([
    ['wrapper', '(select quote_ident(fdwname) from pg_foreign_data_wrapper where oid = s.srvfdw)'],
    ['type', 's.srvtype'],
    ['version', 's.srvversion'],
    ['options', optionsText('s.srvoptions')],
    ['owner', 'pg_get_userbyid(s.srvowner)'],
    ['acl', aclText('s.srvacl', "'S'", 's.srvowner')],
    ['comment', commentOf('pg_foreign_server', 's.oid')],
  ]);
  // pg_user_mappings, as pg_dump reads it: the catalog itself is superuser-only, and the view shows options only to
  // the mapped user, the server's owner or a superuser; to any other role they read NULL, which is not "none".
  const readable = `((um.umuser <> 0 and um.usename = current_user and (pg_has_role(s.srvowner, 'USAGE') or has_server_privilege(s.oid, 'USAGE')))
                     or (um.umuser = 0 and pg_has_role(s.srvowner, 'USAGE')) or (select rolsuper from pg_roles where rolname = current_user))`;
  const mapping = definitionOf([
    [
      'option names',
      `case when ${readable} then (select string_agg(split_part(o, '=', 1), ', ' order by o collate "C") from unnest(um.umoptions) o)
            else '${OPTIONS_NOT_READABLE}' end`,
    ],
  ]);
  return `select 'foreign-data wrapper' as kind, 'foreign-data wrapper ' || quote_ident(w.fdwname) as name, ${wrapper} as def
            from pg_foreign_data_wrapper w where ${notExtensionMember('pg_foreign_data_wrapper', 'w.oid')}
          union all
          select 'server', 'server ' || quote_ident(s.srvname), ${server}
            from pg_foreign_server s where ${notExtensionMember('pg_foreign_server', 's.oid')}
          union all
          select 'user mapping', 'user mapping for ' || case when um.umuser = 0 then 'public' else quote_ident(pg_get_userbyid(um.umuser)) end || ' server ' || quote_ident(s.srvname), ${mapping}
            from pg_user_mappings um join pg_foreign_server s on s.oid = um.srvid where ${notExtensionMember('pg_foreign_server', 's.oid')}`;
}

/** Casts and procedural languages created by the user (not by initdb or an extension). */
export function castsAndLanguagesQuery(): string {
  const cast = definitionOf([
    ['function', 'case when c.castfunc <> 0 then c.castfunc::regprocedure end'],
    ['context', `case c.castcontext when 'e' then 'explicit' when 'a' then 'assignment' when 'i' then 'implicit' end`],
    ['method', `case c.castmethod when 'f' then 'function' when 'i' then 'inout' when 'b' then 'binary' end`],
    ['comment', commentOf('pg_cast', 'c.oid')],
  ]);
  const language = definitionOf([
    ['trusted', 'l.lanpltrusted'],
    ['handler', 'case when l.lanplcallfoid <> 0 then l.lanplcallfoid::regprocedure end'],
    ['inline', 'case when l.laninline <> 0 then l.laninline::regprocedure end'],
    ['validator', 'case when l.lanvalidator <> 0 then l.lanvalidator::regprocedure end'],
    ['owner', 'pg_get_userbyid(l.lanowner)'],
    ['acl', aclText('l.lanacl', "'l'", 'l.lanowner')],
    ['comment', commentOf('pg_language', 'l.oid')],
  ]);
  return `select 'cast' as kind, 'cast (' || format_type(c.castsource, null) || ' as ' || format_type(c.casttarget, null) || ')' as name, ${cast} as def
            from pg_cast c where ${CREATED_BY_USER('c.oid')} and ${notExtensionMember('pg_cast', 'c.oid')}
          union all
          select 'language', 'language ' || quote_ident(l.lanname), ${language}
            from pg_language l where ${CREATED_BY_USER('l.oid')} and ${notExtensionMember('pg_language', 'l.oid')}`;
}
