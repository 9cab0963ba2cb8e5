// More sessions that see exactly what a backup's exported snapshot sees, to scan tables side by side.
import type pg from 'pg';
import { pgClient } from '../core/pg-client.ts';
import { pinSession } from '../expectations/session.ts';

/**
 * Up to `count` sessions, each in a read-only repeatable-read transaction on `snapshot` (exported by a transaction
 * still open) with the pinned settings; fewer if the server refuses more connections. The caller ends them.
 */
export async function snapshotSessions(config: pg.ClientConfig, snapshot: string, count: number): Promise<pg.Client[]> {
  const sessions: pg.Client[] = [];
  for (let i = 0; i < count; i++) {
    const session = pgClient(config);
    try {
      await session.connect();
      await session.query('begin isolation level repeatable read read only');
      await session.query(`set transaction snapshot '${snapshot.replace(/'/g, "''")}'`);
      await pinSession(session);
      sessions.push(session);
    } catch {
      await session.end().catch(() => undefined);
      break;
    }
  }
  return sessions;
}
