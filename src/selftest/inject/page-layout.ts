// The parts of PostgreSQL's page layout the injectors change: line pointers, heap tuple headers, btree page flags.
import { PAGE_SIZE } from './page-checksum.ts';

const HEADER_SIZE = 24;
const PD_LOWER = 12;
const PD_SPECIAL = 16;
const LP_NORMAL = 1;

// Heap tuple header fields (htup_details.h).
const T_XMAX = 4;
const T_INFOMASK = 20;
const HEAP_XMAX_KEYSHR_LOCK = 0x0010;
const HEAP_XMAX_EXCL_LOCK = 0x0040;
const HEAP_XMAX_LOCK_ONLY = 0x0080;
const HEAP_XMAX_COMMITTED = 0x0400;
const HEAP_XMAX_INVALID = 0x0800;
const HEAP_XMAX_IS_MULTI = 0x1000;
const XMAX_BITS =
  HEAP_XMAX_KEYSHR_LOCK |
  HEAP_XMAX_EXCL_LOCK |
  HEAP_XMAX_LOCK_ONLY |
  HEAP_XMAX_COMMITTED |
  HEAP_XMAX_INVALID |
  HEAP_XMAX_IS_MULTI;

// Btree special space (nbtree.h): prev, next, level, flags.
const BTPO_NEXT = 4;
const BTPO_FLAGS = 12;
const BTP_LEAF = 0x0001;
const BTP_DELETED = 0x0004;
const BTP_META = 0x0008;
const BTP_HALF_DEAD = 0x0010;

/** One line pointer: where its item is, its state, its length. */
export interface LinePointer {
  offset: number;
  flags: number;
  length: number;
}

/** How many line pointers the page has. */
export function lineCount(page: Buffer): number {
  return Math.max(0, (page.readUInt16LE(PD_LOWER) - HEADER_SIZE) / 4);
}

/** Line pointer `n` (1-based, as PostgreSQL numbers them). */
export function linePointer(page: Buffer, n: number): LinePointer {
  const word = page.readUInt32LE(HEADER_SIZE + 4 * (n - 1));
  return { offset: word & 0x7fff, flags: (word >>> 15) & 0x3, length: word >>> 17 };
}

/** Exchange line pointers `a` and `b`: the items stay, their order on the page swaps. */
export function swapLinePointers(page: Buffer, a: number, b: number): void {
  const at = (n: number): number => HEADER_SIZE + 4 * (n - 1);
  const first = page.readUInt32LE(at(a));
  page.writeUInt32LE(page.readUInt32LE(at(b)), at(a));
  page.writeUInt32LE(first, at(b));
}

/** The first line pointer that points at a live tuple, or null. */
export function firstNormalTuple(page: Buffer): number | null {
  for (let n = 1; n <= lineCount(page); n++) {
    const lp = linePointer(page, n);
    if (lp.flags === LP_NORMAL && lp.length > 0 && lp.offset + T_INFOMASK + 2 <= PAGE_SIZE) return n;
  }
  return null;
}

/**
 * Mark tuple `n` as deleted by transaction `xmax` with no hint that it finished: a scan treats a future xmax as
 * still running (the row stays visible), while a heap verification sees an xid the cluster never assigned.
 */
export function setFutureXmax(page: Buffer, n: number, xmax: number): void {
  const tuple = linePointer(page, n).offset;
  page.writeUInt32LE(xmax >>> 0, tuple + T_XMAX);
  page.writeUInt16LE(page.readUInt16LE(tuple + T_INFOMASK) & ~XMAX_BITS & 0xffff, tuple + T_INFOMASK);
}

/** The xmax of tuple `n`. */
export function tupleXmax(page: Buffer, n: number): number {
  return page.readUInt32LE(linePointer(page, n).offset + T_XMAX);
}

/** On a live btree leaf page, the first two line pointers holding keys (after the high key on all but the rightmost page); else null. */
export function leafKeyPair(page: Buffer): [number, number] | null {
  const special = page.readUInt16LE(PD_SPECIAL);
  if (special === 0 || special + 16 > PAGE_SIZE) return null;
  const flags = page.readUInt16LE(special + BTPO_FLAGS);
  if (!(flags & BTP_LEAF) || flags & (BTP_DELETED | BTP_META | BTP_HALF_DEAD)) return null;
  const rightmost = page.readUInt32LE(special + BTPO_NEXT) === 0;
  const first = rightmost ? 1 : 2;
  return lineCount(page) >= first + 1 ? [first, first + 1] : null;
}
