// Damage on a restored cluster's pages that checksums cannot see (the checksum is recomputed): only a structural check can.
import type { Cluster } from '../../env/cluster.ts';
import { readPages, stopAtRelation, writePage } from './relation-file.ts';
import { firstNormalTuple, leafKeyPair, setFutureXmax, swapLinePointers } from './page-layout.ts';
import { RecoverableError } from '../../core/errors.ts';

// Far enough ahead that the cluster cannot have assigned it, close enough not to wrap around into the past.
const XID_AHEAD = 1_000_000;

/**
 * Give one live tuple of `relation` an xmax from the future, with a valid page checksum. Every scan still returns the
 * row (a deleter that has not finished), so counts and fingerprints match; heap verification must report it.
 */
export async function corruptHeapTuple(cluster: Cluster, database: string, relation: string): Promise<string> {
  const file = await stopAtRelation(cluster, database, relation);
  try {
    const pages = await readPages(cluster, file);
    const block = pages.findIndex((p) => firstNormalTuple(p) !== null);
    if (block < 0)
      throw new RecoverableError('fault-not-injectable', `${relation} has no live tuple to corrupt in ${file.path}`);
    const page = pages[block]!;
    const tuple = firstNormalTuple(page)!;
    const xmax = Math.max(3, (file.nextXid + XID_AHEAD) % 2 ** 32);
    setFutureXmax(page, tuple, xmax);
    await writePage(cluster, file, block, page);
    return `${relation} block ${block} tuple ${tuple}: xmax set to ${xmax}, beyond the next transaction id ${file.nextXid}${file.checksums ? ' (page checksum recomputed)' : ''}`;
  } finally {
    await cluster.start();
  }
}

/** Swap two keys on a leaf page of btree `index`, with a valid page checksum: lookups may miss rows; btree verification must report it. */
export async function corruptIndexOrder(cluster: Cluster, database: string, index: string): Promise<string> {
  const file = await stopAtRelation(cluster, database, index);
  try {
    const pages = await readPages(cluster, file);
    const block = pages.findIndex((p) => leafKeyPair(p) !== null);
    if (block < 0)
      throw new RecoverableError('fault-not-injectable', `${index} has no leaf page with two keys in ${file.path}`);
    const page = pages[block]!;
    const [a, b] = leafKeyPair(page)!;
    swapLinePointers(page, a, b);
    await writePage(cluster, file, block, page);
    return `${index} leaf block ${block}: items ${a} and ${b} swapped, keys out of order${file.checksums ? ' (page checksum recomputed)' : ''}`;
  } finally {
    await cluster.start();
  }
}
