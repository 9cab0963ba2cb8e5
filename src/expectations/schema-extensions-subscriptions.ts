// Catalog queries for extensions (where each lives) and the database's subscriptions.
import { commentOf, definitionOf, type CaptureScope } from './schema-scope.ts';

/** Extensions created after initdb: their schema and comment (versions are compared by schema:extensions). */
export function extensionsQuery(): string {
  const definition = definitionOf([
    ['schema', '(select quote_ident(nspname) from pg_namespace where oid = x.extnamespace)'],
    ['comment', commentOf('pg_extension', 'x.oid')],
  ]);
  return `select 'extension' as kind, 'extension ' || quote_ident(x.extname) as name, ${definition} as def
            from pg_extension x where x.oid >= 16384`;
}

/**
 * Subscriptions of this database, by the columns every role may read (the connection string is superuser-only, and
 * may hold a password). Whether one is enabled is left out: pg_dump restores every subscription disabled.
 */
export function subscriptionsQuery(scope: CaptureScope): string {
  // Options a major did not have read as what it did: no binary transfer, no streaming, no two-phase, no disabling.
  const v14 = scope.versionNum >= 140000;
  const v15 = scope.versionNum >= 150000;
  const definition = definitionOf([
    ['owner', 'pg_get_userbyid(s.subowner)'],
    ['publications', `array_to_string(array(select quote_ident(p) from unnest(s.subpublications) p order by 1), ', ')`],
    ['slot name', `coalesce(s.subslotname::text, 'none')`],
    ['synchronous commit', 's.subsynccommit'],
    ['binary', v14 ? 's.subbinary' : "'false'"],
    // A boolean until 16, then a letter (f, t, p).
    [
      'streaming',
      v14
        ? `case s.substream::text when 'false' then 'off' when 'f' then 'off' when 'true' then 'on' when 't' then 'on' when 'p' then 'parallel' end`
        : "'off'",
    ],
    ['two phase', v15 ? `s.subtwophasestate <> 'd'` : "'false'"],
    ['disable on error', v15 ? 's.subdisableonerr' : "'false'"],
    ['comment', commentOf('pg_subscription', 's.oid')],
  ]);
  return `select 'subscription' as kind, 'subscription ' || quote_ident(s.subname) as name, ${definition} as def
            from pg_subscription s where s.subdbid = (select oid from pg_database where datname = current_database())`;
}
