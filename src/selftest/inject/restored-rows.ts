// Rows of a restored database changed by SQL, as damage or a faulty restore would change them.
import type { Cluster } from '../../env/cluster.ts';
import { RecoverableError } from '../../core/errors.ts';

/** Run `sql` on the restored database; it must change exactly `rows` rows, or the injection itself failed. */
export async function changeRows(cluster: Cluster, database: string, sql: string, rows = 1): Promise<string> {
  const client = await cluster.connect(database);
  try {
    const changed = (await client.query(sql)).rowCount ?? 0;
    if (changed !== rows)
      throw new RecoverableError(
        'fault-not-injectable',
        `the statement changed ${changed} row(s), not ${rows}: ${sql}`,
      );
    return `${sql} (${changed} row${changed === 1 ? '' : 's'})`;
  } finally {
    await client.end();
  }
}
