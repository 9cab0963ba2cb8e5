// PITR markers: a transaction with a known xid, commit time and LSN, plus a named restore point.
import type pg from 'pg';
import type { Expectations } from '../expectations/capture.ts';

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

/** Create the markers table (in the `recoverable` schema, left out of data comparisons). */
export async function ensureMarkerTable(client: pg.Client): Promise<void> {
  await client.query(`create schema if not exists ${SCHEMA}`);
  await client.query(`create table if not exists ${SCHEMA}.markers (id bigint generated always as identity primary key, label text not null unique, written_at timestamptz not null default clock_timestamp())`);
}

/** Write a marker transaction and a restore point; needs track_commit_timestamp for the commit time. */
export async function writeMarker(client: pg.Client, label: string, expectations: Expectations | null): Promise<MarkerRecord> {
  await client.query('begin');
  const { rows } = await client.query<{ xid: string }>(`insert into ${SCHEMA}.markers (label) values ($1) returning pg_current_xact_id()::text as xid`, [label]);
  await client.query('commit');
  const xid = rows[0]!.xid;
  const after = await client.query<{ time: string | null; lsn: string }>(
    `select to_char(pg_xact_commit_timestamp($1::xid) at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' as time, pg_current_wal_insert_lsn()::text as lsn`,
    [xid],
  );
  const restorePoint = `recoverable-${label}`;
  const rp = await client.query<{ lsn: string }>('select pg_create_restore_point($1)::text as lsn', [restorePoint]);
  const time = after.rows[0]!.time;
  if (!time) throw new Error('track_commit_timestamp is off: the marker has no commit time');
  return { label, xid, time, lsn: after.rows[0]!.lsn, restorePoint, restorePointLsn: rp.rows[0]!.lsn, expectations };
}

/** Labels of the markers present in a (restored) database, in the order they were written; [] without the table. */
export async function readMarkers(client: pg.Client): Promise<string[] | null> {
  const exists = await client.query(`select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = 'markers'`, [SCHEMA]);
  if (exists.rowCount === 0) return null;
  const { rows } = await client.query<{ label: string }>(`select label from ${SCHEMA}.markers order by id`);
  return rows.map((r) => r.label);
}
