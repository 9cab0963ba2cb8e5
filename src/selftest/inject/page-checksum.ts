// PostgreSQL's data page checksum (FNV-1a variant over 32 interleaved lanes), so an injected page still verifies.

/** Bytes in a PostgreSQL page (BLCKSZ; every build Recoverable supports uses the default). */
export const PAGE_SIZE = 8192;
/** Offset of pd_checksum in the page header (after the 8-byte pd_lsn). */
export const CHECKSUM_OFFSET = 8;

const LANES = 32;
const FNV_PRIME = 16777619;
// Each lane starts from its own value; these are part of the on-disk format.
const LANE_SEEDS = [
  0x5b1f36e9, 0xb8525960, 0x02ab50aa, 0x1de66d2a, 0x79ff467a, 0x9bb9f8a3, 0x217e7cd2, 0x83e13d2c, 0xf8d4474f,
  0xe39eb970, 0x42c6ae16, 0x993216fa, 0x7b093b5d, 0x98daff3c, 0xf718902a, 0x0b1c9cdb, 0xe58f764b, 0x187636bc,
  0x5d7b3bb1, 0xe73de7de, 0x92bec979, 0xcca6c0b2, 0x304a0979, 0x85aa43d4, 0x783125bb, 0x6ca8eaa2, 0xe407eac6,
  0x4b5cfc3e, 0x9fbf8c76, 0x15ca20be, 0xf2ca9fd3, 0x959bd756,
];

// One mixing round: xor in the value, multiply by the FNV prime, fold the high bits back down.
function mix(sum: number, value: number): number {
  const t = (sum ^ value) >>> 0;
  return (Math.imul(t, FNV_PRIME) ^ (t >>> 17)) >>> 0;
}

/** The checksum PostgreSQL stores in pd_checksum for `page` at block `blockNumber` of its relation fork. */
export function pageChecksum(page: Buffer, blockNumber: number): number {
  if (page.length !== PAGE_SIZE) throw new RangeError(`a page is ${PAGE_SIZE} bytes, got ${page.length}`);
  const sums = [...LANE_SEEDS];
  const saved = page.readUInt16LE(CHECKSUM_OFFSET);
  page.writeUInt16LE(0, CHECKSUM_OFFSET);
  try {
    for (let offset = 0; offset < PAGE_SIZE; offset += 4 * LANES) {
      for (let lane = 0; lane < LANES; lane++) sums[lane] = mix(sums[lane]!, page.readUInt32LE(offset + 4 * lane));
    }
  } finally {
    page.writeUInt16LE(saved, CHECKSUM_OFFSET);
  }
  // Two rounds of zeros for the last values to reach every bit.
  for (let round = 0; round < 2; round++) for (let lane = 0; lane < LANES; lane++) sums[lane] = mix(sums[lane]!, 0);
  let folded = 0;
  for (const sum of sums) folded = (folded ^ sum) >>> 0;
  return (((folded ^ blockNumber) >>> 0) % 65535) + 1;
}

/** Write the checksum a page must carry after it was changed (a checksummed cluster would otherwise refuse to read it). */
export function sealPage(page: Buffer, blockNumber: number): void {
  page.writeUInt16LE(pageChecksum(page, blockNumber), CHECKSUM_OFFSET);
}
