// The database's own properties (owner, settings, grants, comment, locale, tablespaces), which a restore of its
// contents alone would lose without a word.
import type pg from 'pg';
import { serverVersionNum } from './roles.ts';

/** Encoding and locale as CREATE DATABASE sets them. */
export interface DatabaseLocale {
  encoding: string;
  /** libc, icu or builtin (PostgreSQL 15+; libc before). */
  provider: 'libc' | 'icu' | 'builtin';
  collate: string;
  ctype: string;
  /** The ICU or builtin locale (daticulocale in 15 and 16, datlocale from 17), null for libc. */
  locale: string | null;
  /** ICU tailoring rules (PostgreSQL 16+), null when none. */
  icuRules: string | null;
}

/** A relation placed outside the database's default tablespace. */
export interface RelationTablespace {
  /** "table shop.orders_2024_01", "index audit.cold_events_created_idx". */
  relation: string;
  tablespace: string;
}

/** What CREATE DATABASE, ALTER DATABASE, GRANT ... ON DATABASE, COMMENT ON DATABASE and ALTER ROLE ... IN DATABASE set. */
export interface DatabaseProperties {
  owner: string;
  locale: DatabaseLocale;
  /** -1: no limit. */
  connectionLimit: number;
  allowConnections: boolean;
  isTemplate: boolean;
  /** The database's default tablespace. */
  tablespace: string;
  /** ALTER DATABASE ... SET, "name=value", sorted. */
  settings: string[];
  /** ACL items "grantee=privileges/grantor" (grantee empty for PUBLIC), sorted; the owner's defaults spelled out when never changed. */
  privileges: string[];
  comment: string | null;
  /** ALTER ROLE ... IN DATABASE ... SET, "role: name=value", sorted. */
  roleSettings: string[];
  /** Relations of user schemas with a tablespace of their own, sorted by relation. */
  relationTablespaces: RelationTablespace[];
}

const KINDS = `case c.relkind when 'r' then 'table' when 'p' then 'table' when 'm' then 'materialized view' when 'i' then 'index' when 'I' then 'index' else 'relation' end`;

/** Read the properties of the database `client` is connected to. */
export async function readDatabaseProperties(client: pg.Client): Promise<DatabaseProperties> {
  // Locale providers came in 15, ICU rules in 16; 17 renamed daticulocale to datlocale (and added builtin).
  const version = await serverVersionNum(client);
  const provider =
    version >= 150000 ? "case d.datlocprovider when 'i' then 'icu' when 'b' then 'builtin' else 'libc' end" : "'libc'";
  const locale = version >= 170000 ? 'd.datlocale' : version >= 150000 ? 'd.daticulocale' : 'null::text';
  const rules = version >= 160000 ? 'd.daticurules' : 'null::text';
  const { rows } = await client.query<{
    owner: string;
    encoding: string;
    provider: DatabaseLocale['provider'];
    collate: string;
    ctype: string;
    locale: string | null;
    rules: string | null;
    connlimit: number;
    allowconn: boolean;
    istemplate: boolean;
    tablespace: string;
    settings: string[];
    privileges: string[];
    comment: string | null;
  }>(
    `select pg_catalog.pg_get_userbyid(d.datdba) as owner, pg_catalog.pg_encoding_to_char(d.encoding) as encoding, ${provider} as provider,
            d.datcollate as collate, d.datctype as ctype, ${locale} as locale, ${rules} as rules,
            d.datconnlimit as connlimit, d.datallowconn as allowconn, d.datistemplate as istemplate, t.spcname as tablespace,
            array(select s from pg_catalog.pg_db_role_setting rs, unnest(rs.setconfig) s where rs.setdatabase = d.oid and rs.setrole = 0 order by s collate "C") as settings,
            array(select a::text from unnest(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a order by a::text collate "C") as privileges,
            pg_catalog.shobj_description(d.oid, 'pg_database') as comment
       from pg_catalog.pg_database d join pg_catalog.pg_tablespace t on t.oid = d.dattablespace
      where d.datname = current_database()`,
  );
  const d = rows[0]!;
  return {
    owner: d.owner,
    locale: {
      encoding: d.encoding,
      provider: d.provider,
      collate: d.collate,
      ctype: d.ctype,
      locale: d.locale,
      icuRules: d.rules,
    },
    connectionLimit: d.connlimit,
    allowConnections: d.allowconn,
    isTemplate: d.istemplate,
    tablespace: d.tablespace,
    settings: d.settings,
    privileges: d.privileges,
    comment: d.comment,
    roleSettings: await readRoleSettingsHere(client),
    relationTablespaces: await readRelationTablespaces(client),
  };
}

// ALTER ROLE ... IN DATABASE ... SET for this database; pg_dump --create carries them, pg_dumpall does not.
async function readRoleSettingsHere(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ s: string }>(
    `select r.rolname || ': ' || s as s
       from pg_catalog.pg_db_role_setting rs join pg_catalog.pg_roles r on r.oid = rs.setrole, unnest(rs.setconfig) s
      where rs.setdatabase = (select oid from pg_catalog.pg_database where datname = current_database())
      order by (r.rolname || ': ' || s) collate "C"`,
  );
  return rows.map((r) => r.s);
}

// reltablespace 0 means the database's default: only relations placed elsewhere are listed, each name quoted where
// needed ("a.b".c and a."b.c" are two relations).
async function readRelationTablespaces(client: pg.Client): Promise<RelationTablespace[]> {
  const { rows } = await client.query<RelationTablespace>(
    `select ${KINDS} || ' ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) as relation, t.spcname as tablespace
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace join pg_catalog.pg_tablespace t on t.oid = c.reltablespace
      where c.relkind in ('r', 'p', 'm', 'i', 'I') and c.relpersistence <> 't'
        and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)'
      order by (${KINDS} || ' ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname)) collate "C"`,
  );
  return rows;
}
