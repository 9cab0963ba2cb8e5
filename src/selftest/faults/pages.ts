// Faults in the pages of a restored cluster that its data comparisons cannot see: only structural verification can.
import type { Fault } from '../fault.ts';
import { corruptHeapTuple, corruptIndexOrder } from '../inject/corrupt-pages.ts';
import { SELFTEST_TABLES } from '../fixture.ts';

const ALL = { dump: 'amcheck', basebackup: 'amcheck', snapshot: 'amcheck' } as const;

export const heapPageCorrupt: Fault = {
  id: 'heap-page-corrupt',
  family: 'pages',
  injects: `a heap tuple of ${SELFTEST_TABLES.aliased} given a deleting transaction id the cluster never assigned, page checksum recomputed (rows, counts and fingerprints unchanged)`,
  reason: /xmax \d+ equals or exceeds next valid transaction ID/,
  caughtBy: ALL,
  injection: {
    stage: 'restored',
    apply: (cluster, database) => corruptHeapTuple(cluster, database, SELFTEST_TABLES.aliased),
  },
};

export const indexPageCorrupt: Fault = {
  id: 'index-page-corrupt',
  family: 'pages',
  injects: `two keys swapped on a leaf page of ${SELFTEST_TABLES.index}, page checksum recomputed (table data unchanged)`,
  reason: /item order invariant violated/,
  caughtBy: ALL,
  injection: {
    stage: 'restored',
    apply: (cluster, database) => corruptIndexOrder(cluster, database, SELFTEST_TABLES.index),
  },
};
