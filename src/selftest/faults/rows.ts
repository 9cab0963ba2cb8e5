// Faults in the rows of a restored database that only an exact content comparison sees.
import type { Fault } from '../fault.ts';
import { changeRows } from '../inject/restored-rows.ts';
import { SELFTEST_TABLES } from '../fixture.ts';

const FINGERPRINT = `fingerprint:${SELFTEST_TABLES.aliased}`;

export const aliasColumnRowChanged: Fault = {
  id: 'alias-column-row-changed',
  family: 'rows',
  injects: `one row of ${SELFTEST_TABLES.aliased} changed in a column beside one named t, the alias fingerprints give every table (row count unchanged)`,
  reason: /content differs from the backup although the row count matches/,
  caughtBy: { dump: FINGERPRINT, basebackup: FINGERPRINT, snapshot: FINGERPRINT },
  injection: {
    stage: 'restored',
    apply: (cluster, database) =>
      changeRows(
        cluster,
        database,
        `update ${SELFTEST_TABLES.aliased} set amount = amount + 1 where id = (select min(id) from ${SELFTEST_TABLES.aliased})`,
      ),
  },
};
