// Ask the restored server how it deparses the backup's view definitions: across majors the deparser's output changes
// (16 dropped redundant table qualification), and pg_restore recreated each view from exactly that text.
import type pg from 'pg';
import type { Expectations } from './types.ts';

const VIEW_KINDS = new Set(['view', 'materialized view']);

/**
 * For a restore into another major: each view or materialized view whose definition text differs, as this server
 * deparses the backup's text (a temporary view, rolled back). Definitions this server cannot parse are left out,
 * so they still show as differences. Empty within one major.
 */
export async function deparseBackupViews(
  client: pg.Client,
  expected: Expectations,
  actual: Expectations,
): Promise<Record<string, string>> {
  if (!expected.schemaObjects || !actual.schemaObjects || major(expected.serverVersion) === major(actual.serverVersion))
    return {};
  const restored = new Map(actual.schemaObjects.map((o) => [o.name, o.definition.definition]));
  const differing = expected.schemaObjects.filter(
    (o) =>
      VIEW_KINDS.has(o.kind) &&
      o.definition.definition !== undefined &&
      restored.has(o.name) &&
      restored.get(o.name) !== o.definition.definition,
  );
  const result: Record<string, string> = {};
  for (const view of differing) {
    await client.query('begin');
    try {
      // The backup's text names every object with its schema (captured under search_path pg_catalog): deparse it the same way.
      await client.query("select set_config('search_path', 'pg_catalog', true)");
      await client.query(
        `create temporary view recoverable_deparse as ${view.definition.definition!.trim().replace(/;$/, '')}`,
      );
      const { rows } = await client.query<{ def: string }>(
        "select pg_get_viewdef('pg_temp.recoverable_deparse'::regclass) as def",
      );
      result[view.name] = rows[0]!.def;
    } catch {
      // Not parseable here: the difference stays visible as it is.
    } finally {
      await client.query('rollback');
    }
  }
  return result;
}

function major(version: string): number {
  return Number.parseInt(version, 10);
}
