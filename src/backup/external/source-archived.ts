// Wait until the source's own archiver (whatever its archive_command feeds) reports a segment archived.
import type pg from 'pg';
import { BackupUnusableError } from '../../core/errors.ts';
import { systemClock, type Clock } from '../../core/clock.ts';

const SEGMENT = /^[0-9A-F]{24}$/;

/** The archiver's view: the last segment archived and the last that failed (with when each happened). */
export interface ArchiverState {
  lastArchived: string | null;
  lastFailed: string | null;
  failedAfterArchived: boolean;
}

/** Whether pg_stat_archiver's last archived WAL file is `segment` or a later one (history files say nothing). */
export function archivedThrough(state: ArchiverState, segment: string): boolean {
  return state.lastArchived !== null && SEGMENT.test(state.lastArchived) && state.lastArchived >= segment;
}

async function archiverState(client: pg.Client): Promise<ArchiverState> {
  const { rows } = await client.query<{ archived: string | null; failed: string | null; failed_after: boolean | null }>(
    "select last_archived_wal as archived, last_failed_wal as failed, last_failed_time > coalesce(last_archived_time, '-infinity') as failed_after from pg_stat_archiver",
  );
  const r = rows[0]!;
  return { lastArchived: r.archived, lastFailed: r.failed, failedAfterArchived: r.failed_after === true };
}

/** Poll pg_stat_archiver until `segment` is archived; past `timeoutMs`, fail naming what the archiver last did. */
export async function waitForSourceArchived(
  client: pg.Client,
  segment: string,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const state = await archiverState(client);
    if (archivedThrough(state, segment)) return;
    if (clock.now() > deadline) {
      const failing =
        state.failedAfterArchived && state.lastFailed
          ? `; archive_command is failing (last failed: ${state.lastFailed})`
          : '';
      throw new BackupUnusableError(
        `the source's archiver did not archive ${segment} within ${Math.round(timeoutMs / 1000)} s (last archived: ${state.lastArchived ?? 'none'}${failing})`,
        {
          hint: "check the source's archive_command and its server log: the markers are useless until their WAL is in the archive",
        },
      );
    }
    await clock.sleep(200);
  }
}
