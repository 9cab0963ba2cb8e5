// The non-exclusive low-level backup API, by version, with named arguments (the stop call's booleans changed meaning).
import type pg from 'pg';

export interface BackupStop {
  stopLsn: string;
  /** What to write as backup_label and tablespace_map, byte for byte. */
  labelfile: string;
  spcmapfile: string;
}

/** Start a non-exclusive backup on this (dedicated) connection; returns the start LSN. */
export async function startBackup(client: pg.Client, major: number, label: string): Promise<string> {
  const sql =
    major >= 15
      ? 'select pg_backup_start(label => $1, fast => true)::text as lsn'
      : 'select pg_start_backup(label => $1, fast => true, exclusive => false)::text as lsn';
  const { rows } = await client.query<{ lsn: string }>(sql, [label]);
  return rows[0]!.lsn;
}

/** Stop it on the same connection, waiting for the stop segment to be archived (bounded by statement_timeout). */
export async function stopBackup(client: pg.Client, major: number, timeoutMs: number): Promise<BackupStop> {
  await client.query(`set statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
  try {
    const sql =
      major >= 15
        ? 'select lsn::text as lsn, labelfile, spcmapfile from pg_backup_stop(wait_for_archive => true)'
        : 'select lsn::text as lsn, labelfile, spcmapfile from pg_stop_backup(exclusive => false, wait_for_archive => true)';
    const { rows } = await client.query<{ lsn: string; labelfile: string; spcmapfile: string | null }>(sql);
    const r = rows[0]!;
    return { stopLsn: r.lsn, labelfile: r.labelfile, spcmapfile: r.spcmapfile ?? '' };
  } finally {
    await client.query('reset statement_timeout').catch(() => undefined);
  }
}

/** The timeline of a backup label ("START TIMELINE: 1"). */
export function labelTimeline(labelfile: string): number | null {
  const m = /START TIMELINE: (\d+)/.exec(labelfile);
  return m ? Number(m[1]) : null;
}
