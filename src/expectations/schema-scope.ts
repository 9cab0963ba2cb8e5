// Which catalog rows are the user's objects, as SQL fragments shared by the data and the definition captures.
import type pg from 'pg';
import { markerObjects } from '../source/markers.ts';

/** What a capture leaves out, resolved once per capture: Recoverable's own marker objects, by oid. */
export interface CaptureScope {
  /** server_version_num: catalog columns differ between majors. */
  versionNum: number;
  /** The tagged marker table, its sequence and indexes. */
  markerRelations: string[];
  /** The tagged marker schema, when Recoverable created it and nothing else lives there. */
  markerSchema: string | null;
  /**
   * Whether the capturing role may read every pg_subscription column the capture reads (before 14 only six are
   * granted to all; a query naming another is refused whatever its rows). False: subscriptions are not captured.
   */
  subscriptionsReadable?: boolean;
}

/** The pg_subscription columns the capture reads on a server of this version. */
export function subscriptionColumns(versionNum: number): string[] {
  return [
    'oid',
    'subdbid',
    'subname',
    'subowner',
    'subpublications',
    'subslotname',
    'subsynccommit',
    ...(versionNum >= 140000 ? ['subbinary', 'substream'] : []),
    ...(versionNum >= 150000 ? ['subtwophasestate', 'subdisableonerr'] : []),
  ];
}

/** Resolve the scope on this connection. */
export async function resolveScope(client: pg.Client): Promise<CaptureScope> {
  const { rows } = await client.query<{ v: string }>("select current_setting('server_version_num') as v");
  const versionNum = Number(rows[0]!.v);
  const markers = await markerObjects(client);
  const readable = await client.query<{ ok: boolean }>(
    `select bool_and(has_column_privilege('pg_catalog.pg_subscription', c, 'select')) as ok from unnest($1::text[]) c`,
    [subscriptionColumns(versionNum)],
  );
  return {
    versionNum,
    markerRelations: markers.relations,
    markerSchema: markers.schema,
    subscriptionsReadable: readable.rows[0]!.ok,
  };
}

// Names starting with pg_ are reserved for the system (pg_catalog, pg_toast, pg_temp_N): users cannot create them.
/** The namespace `n` is a user schema. */
export function userNamespace(n: string): string {
  return `${n}.nspname <> 'information_schema' and ${n}.nspname !~ '^pg_'`;
}

/** The namespace `n` is a user schema and not Recoverable's own marker schema. */
export function userSchema(n: string, scope: CaptureScope): string {
  return `${userNamespace(n)}${scope.markerSchema ? ` and ${n}.oid <> ${Number(scope.markerSchema)}` : ''}`;
}

/** The relation `oid` is not one of Recoverable's marker objects. */
export function notMarker(oid: string, scope: CaptureScope): string {
  return scope.markerRelations.length
    ? `${oid} <> all('{${scope.markerRelations.map(Number).join(',')}}'::oid[])`
    : 'true';
}

// Objects created by extensions come back with CREATE EXTENSION: compare only what the dump itself must carry.
/** The object `oid` of catalog `catalog` is not a member of an extension. */
export function notExtensionMember(catalog: string, oid: string): string {
  return `not exists (select 1 from pg_depend member where member.classid = '${catalog}'::regclass and member.objid = ${oid} and member.deptype = 'e')`;
}

/** The relation `c` (with namespace `n`) is the user's: user schema, no extension member, no marker object. */
export function userRelation(c: string, n: string, scope: CaptureScope): string {
  return `${userSchema(n, scope)} and ${notMarker(`${c}.oid`, scope)} and ${notExtensionMember('pg_class', `${c}.oid`)}`;
}

/**
 * An ACL as sorted text; a NULL ACL means the built-in default for `defaultKind` (acldefault), which is what a
 * restore that replays no GRANT leaves, so both spell the same. `defaultKind` is an SQL "char" expression (e.g. `'r'`);
 * without one, NULL means no privileges.
 */
export function aclText(acl: string, defaultKind: string | null, owner: string): string {
  const items = defaultKind ? `coalesce(${acl}, acldefault(${defaultKind}, ${owner}))` : acl;
  return `coalesce((select string_agg(a::text, ' ' order by a::text collate "C") from unnest(${items}) a), '')`;
}

/** A text[] of options (reloptions, ftoptions, ...) as sorted text, NULL when none. */
export function optionsText(options: string): string {
  return `(select string_agg(o, ', ' order by o collate "C") from unnest(${options}) o)`;
}

/** The comment on object `oid` (subobject `sub`) of catalog `catalog`. */
export function commentOf(catalog: string, oid: string, sub = '0'): string {
  return `(select description from pg_description d where d.classoid = '${catalog}'::regclass and d.objoid = ${oid} and d.objsubid = ${sub})`;
}

/** `schema.name` with each part quoted only where needed. */
export function qualified(schema: string, name: string): string {
  return `quote_ident(${schema}) || '.' || quote_ident(${name})`;
}

/** A jsonb object of text values from [key, SQL expression] pairs; NULL values are dropped when read. */
export function definitionOf(pairs: ReadonlyArray<readonly [string, string]>): string {
  return `jsonb_build_object(${pairs.map(([key, expr]) => `'${key}', (${expr})::text`).join(', ')})`;
}
