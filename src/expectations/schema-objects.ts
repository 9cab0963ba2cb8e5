// Capture every user schema object with its definition: a handful of set-based catalog queries, deparsed by the server.
import type pg from 'pg';
import type { SchemaObject } from './types.ts';
import type { CaptureScope } from './schema-scope.ts';
import { columnsQuery, relationsQuery } from './schema-relations.ts';
import {
  constraintsQuery,
  indexesQuery,
  policiesQuery,
  rulesQuery,
  statisticsQuery,
  triggersQuery,
} from './schema-table-parts.ts';
import { collationsQuery, operatorsQuery, routinesQuery, typesQuery } from './schema-routines-types.ts';
import {
  castsAndLanguagesQuery,
  defaultPrivilegesQuery,
  eventTriggersQuery,
  foreignDataQuery,
  publicationsQuery,
  schemasQuery,
} from './schema-database-objects.ts';
import { initialPrivilegesQuery } from './schema-initial-privileges.ts';
import { textSearchQuery } from './schema-text-search.ts';
import { conversionsAndMethodsQuery, operatorClassesQuery } from './schema-operator-classes.ts';
import { extensionsQuery, subscriptionsQuery } from './schema-extensions-subscriptions.ts';
import { extensionMembersQuery } from './schema-extension-members.ts';

/**
 * Definitions of every user object in the connected database. Run with search_path pinned to pg_catalog, so that
 * deparsed text names every object with its schema.
 */
export async function captureSchemaObjects(client: pg.Client, scope: CaptureScope): Promise<SchemaObject[]> {
  const queries = [
    schemasQuery(scope),
    relationsQuery(scope),
    columnsQuery(scope),
    indexesQuery(scope),
    constraintsQuery(scope),
    triggersQuery(scope),
    policiesQuery(scope),
    rulesQuery(scope),
    statisticsQuery(scope),
    routinesQuery(scope),
    typesQuery(scope),
    collationsQuery(scope),
    operatorsQuery(scope),
    defaultPrivilegesQuery(scope),
    publicationsQuery(scope),
    eventTriggersQuery(),
    foreignDataQuery(),
    castsAndLanguagesQuery(),
    initialPrivilegesQuery(),
    textSearchQuery(scope),
    operatorClassesQuery(scope),
    conversionsAndMethodsQuery(scope),
    extensionsQuery(),
    ...(scope.subscriptionsReadable === false ? [] : [subscriptionsQuery(scope)]),
    extensionMembersQuery(),
  ];
  const objects: SchemaObject[] = [];
  for (const sql of queries) {
    const { rows } = await client.query<{ kind: string; name: string; def: Record<string, string | null> }>(sql);
    for (const row of rows) objects.push({ kind: row.kind, name: row.name, definition: withoutNulls(row.def) });
  }
  return objects.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// An aspect the catalog does not have for this object (NULL) is simply absent from its definition.
function withoutNulls(def: Record<string, string | null>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key of Object.keys(def).sort()) {
    const value = def[key];
    if (value !== null && value !== undefined) result[key] = value;
  }
  return result;
}
