// Asking the source to end its current WAL segment, so the archiver takes it: never on a standby, where it cannot.
import { pgClient } from '../core/pg-client.ts';
import { EnvironmentError } from '../core/errors.ts';
import type { Source } from './source.ts';

/** What asking for a WAL switch came to: done, refused to a least-privilege role, or the source is in recovery. */
export type WalSwitchOutcome = 'switched' | 'not-permitted' | 'in-recovery';

// SQLSTATE insufficient_privilege: the backup role may not call pg_switch_wal().
const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * Ask `source` to switch WAL. On a server in recovery pg_switch_wal() is never called (it raises "recovery is in
 * progress" there); any failure but a refused privilege is a `wal-switch-failed` error naming the server's words.
 */
export async function switchWal(source: Source): Promise<WalSwitchOutcome> {
  const client = pgClient(source.clientConfig());
  try {
    await client.connect();
    // Asked first, apart: EXECUTE on pg_switch_wal() is checked even where a CASE would never call it.
    const { rows } = await client.query<{ in_recovery: boolean }>('select pg_is_in_recovery() as in_recovery');
    if (rows[0]!.in_recovery) return 'in-recovery';
    await client.query('select pg_switch_wal()');
    return 'switched';
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === INSUFFICIENT_PRIVILEGE) return 'not-permitted';
    throw new EnvironmentError(
      'wal-switch-failed',
      `${source.describe()} could not switch WAL so the backup's stop segment is archived: ${message ?? String(error)}${code ? ` (SQLSTATE ${code})` : ''}`,
      {
        hint: `read the server log of ${source.describe()} for why pg_switch_wal() failed and fix it, or set archive_timeout there so the server switches WAL on its own`,
        cause: error,
      },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
