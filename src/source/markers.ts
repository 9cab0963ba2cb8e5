// PITR markers: a transaction with a known xid, commit time and LSN, plus a named restore point.
import type pg from 'pg';
import type { Expectations } from '../expectations/capture.ts';
import { BackupUnusableError, EnvironmentError } from '../core/errors.ts';

/** One marker as written on the source, with the exact expectations just before it. */
export interface MarkerRecord {
  label: string;
  /** The marker transaction's id, commit time (UTC, microseconds) and the WAL insert position right after its commit. */
  xid: string;
  time: string;
  lsn: string;
  /** The named restore point created right after the marker, and where it is in WAL. */
  restorePoint: string;
  restorePointLsn: string;
  /** Data as it was when the marker was written (markers themselves are compared separately). */
  expectations: Expectations | null;
}

const SCHEMA = 'recoverable';

/**
 * The comment Recoverable puts on the schema and table it creates for markers. Comparisons leave out exactly the
 * objects carrying it, never objects that merely share the name: a user's own `recoverable` schema is compared.
 */
export const MARKER_TAG = 'recoverable:markers: created by Recoverable for PITR markers; left out of comparisons';

/** Create the markers table, tagged as Recoverable's own (and its schema, tagged too when Recoverable creates it). */
export async function ensureMarkerTable(client: pg.Client): Promise<void> {
  const schema = await client.query('select 1 from pg_namespace where nspname = $1', [SCHEMA]);
  if (schema.rowCount === 0) {
    await client.query(`create schema ${SCHEMA}`);
    await client.query(`comment on schema ${SCHEMA} is ${literal(MARKER_TAG)}`);
  }
  const table = await client.query<{ tag: string | null }>(
    `select obj_description(c.oid, 'pg_class') as tag from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = 'markers'`,
    [SCHEMA],
  );
  if (table.rowCount === 0) {
    await client.query(
      `create table ${SCHEMA}.markers (id bigint generated always as identity primary key, label text not null unique, written_at timestamptz not null default clock_timestamp())`,
    );
    await client.query(`comment on table ${SCHEMA}.markers is ${literal(MARKER_TAG)}`);
  } else if (table.rows[0]!.tag !== MARKER_TAG) {
    // Writing markers into a table someone else made would change their data and hide it from the checks.
    throw new BackupUnusableError(`a table ${SCHEMA}.markers exists on the source and Recoverable did not create it`, {
      hint: `rename or move that table: Recoverable writes its PITR markers into ${SCHEMA}.markers`,
    });
  }
}

/** Recoverable's own marker objects in a database: the tagged table with its sequence and indexes, and the schema if only they live there. */
export async function markerObjects(client: pg.Client): Promise<{ relations: string[]; schema: string | null }> {
  const { rows } = await client.query<{ relations: string[] | null; schema: string | null }>(
    `with tagged as (
       select c.oid, c.relnamespace from pg_class c join pg_namespace n on n.oid = c.relnamespace
         join pg_description d on d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
        where n.nspname = $1 and c.relname = 'markers' and c.relkind = 'r' and d.description = $2),
     own as (
       select oid from tagged
       union select x.indexrelid from pg_index x join tagged t on x.indrelid = t.oid
       union select dep.objid from pg_depend dep join tagged t on dep.refobjid = t.oid
        where dep.classid = 'pg_class'::regclass and dep.refclassid = 'pg_class'::regclass and dep.deptype in ('a', 'i'))
     select (select array_agg(oid::text order by oid) from own) as relations,
            (select n.oid::text from pg_namespace n join pg_description d on d.objoid = n.oid and d.classoid = 'pg_namespace'::regclass
              where n.nspname = $1 and d.description = $2
                and not exists (select 1 from pg_depend dep where dep.refclassid = 'pg_namespace'::regclass and dep.refobjid = n.oid
                                  and not (dep.classid = 'pg_class'::regclass and dep.objid in (select oid from own)))) as schema`,
    [SCHEMA, MARKER_TAG],
  );
  return { relations: rows[0]!.relations ?? [], schema: rows[0]!.schema };
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Write a marker transaction and a restore point; needs track_commit_timestamp for the commit time. */
export async function writeMarker(
  client: pg.Client,
  label: string,
  expectations: Expectations | null,
): Promise<MarkerRecord> {
  await client.query('begin');
  const { rows } = await client.query<{ xid: string }>(
    `insert into ${SCHEMA}.markers (label) values ($1) returning pg_current_xact_id()::text as xid`,
    [label],
  );
  await client.query('commit');
  const xid = rows[0]!.xid;
  const after = await client.query<{ time: string | null; lsn: string }>(
    `select to_char(pg_xact_commit_timestamp($1::xid) at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' as time, pg_current_wal_insert_lsn()::text as lsn`,
    [xid],
  );
  const restorePoint = `recoverable-${label}`;
  const rp = await client.query<{ lsn: string }>('select pg_create_restore_point($1)::text as lsn', [restorePoint]);
  const time = after.rows[0]!.time;
  if (!time)
    throw new EnvironmentError('commit-timestamps-off', 'track_commit_timestamp is off: the marker has no commit time');
  return { label, xid, time, lsn: after.rows[0]!.lsn, restorePoint, restorePointLsn: rp.rows[0]!.lsn, expectations };
}

/** Labels of the markers present in a (restored) database, in the order they were written; [] without the table. */
export async function readMarkers(client: pg.Client): Promise<string[] | null> {
  const exists = await client.query(
    `select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = 'markers'`,
    [SCHEMA],
  );
  if (exists.rowCount === 0) return null;
  const { rows } = await client.query<{ label: string }>(`select label from ${SCHEMA}.markers order by id`);
  return rows.map((r) => r.label);
}
