// A relation's pages on disk, read and written through the runtime that owns the data directory (here or in a container).
import { join } from 'node:path';
import type { Cluster } from '../../env/cluster.ts';
import { PAGE_SIZE, sealPage } from './page-checksum.ts';

/** Where a relation's main fork lives and whether its pages carry checksums. */
export interface RelationFile {
  /** Absolute path of the first segment of the main fork. */
  path: string;
  /** The relation as PostgreSQL names it, for messages. */
  relation: string;
  checksums: boolean;
}

// The injectors touch small relations only: no more than this many pages are read.
const MAX_PAGES = 1024;

/** Locate `relation` in the running cluster, then flush every change to disk and stop the server cleanly. */
export async function stopAtRelation(
  cluster: Cluster,
  database: string,
  relation: string,
): Promise<RelationFile & { nextXid: number }> {
  const client = await cluster.connect(database);
  let found: { path: string; checksums: boolean; xid: string };
  try {
    const { rows } = await client.query<{ path: string; checksums: boolean; xid: string }>(
      "select pg_relation_filepath($1::regclass) as path, current_setting('data_checksums') = 'on' as checksums, (txid_current() % 4294967296)::text as xid",
      [relation],
    );
    found = rows[0]!;
    await client.query('checkpoint');
  } finally {
    await client.end();
  }
  // A clean stop writes every buffer: the file then holds the pages as the server would read them back.
  await cluster.stop('fast');
  return {
    path: join(cluster.dataDir, found.path),
    relation,
    checksums: found.checksums,
    nextXid: Number(found.xid) + 1,
  };
}

/** The first pages of the relation's first segment. */
export async function readPages(cluster: Cluster, file: RelationFile): Promise<Buffer[]> {
  const { stdout } = await cluster.runtime.system(
    'sh',
    ['-c', 'dd if="$1" bs=$2 count=$3 status=none | base64 -w0', 'sh', file.path, String(PAGE_SIZE), String(MAX_PAGES)],
    { label: `read ${file.relation}` },
  );
  const bytes = Buffer.from(stdout.trim(), 'base64');
  const pages: Buffer[] = [];
  for (let offset = 0; offset + PAGE_SIZE <= bytes.length; offset += PAGE_SIZE)
    pages.push(Buffer.from(bytes.subarray(offset, offset + PAGE_SIZE)));
  return pages;
}

/** Write one changed page back in place, with the checksum it must now carry when the cluster has checksums. */
export async function writePage(
  cluster: Cluster,
  file: RelationFile,
  blockNumber: number,
  page: Buffer,
): Promise<void> {
  if (file.checksums) sealPage(page, blockNumber);
  await cluster.runtime.system(
    'sh',
    [
      '-c',
      'base64 -d | dd of="$1" bs=$2 seek=$3 count=1 iflag=fullblock conv=notrunc status=none',
      'sh',
      file.path,
      String(PAGE_SIZE),
      String(blockNumber),
    ],
    {
      input: page.toString('base64'),
      label: `write ${file.relation} block ${blockNumber}`,
    },
  );
}
