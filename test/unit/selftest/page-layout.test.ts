import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  firstNormalTuple,
  leafKeyPair,
  lineCount,
  linePointer,
  setFutureXmax,
  swapLinePointers,
  tupleXmax,
} from '../../../src/selftest/inject/page-layout.ts';
import { heapPage, leafPage } from './sample-pages.ts';

const INFOMASK = 20;
const XMAX_INVALID = 0x0800;

test('line pointers of a real heap page: three live tuples, stored from the end of the page backwards', () => {
  const page = heapPage();
  assert.equal(lineCount(page), 3);
  const [a, b, c] = [1, 2, 3].map((n) => linePointer(page, n));
  for (const lp of [a, b, c]) assert.equal(lp!.flags, 1, 'LP_NORMAL');
  assert.ok(a!.offset > b!.offset && b!.offset > c!.offset);
  assert.equal(firstNormalTuple(page), 1);
});

test('a future xmax: only xmax and its hint bits change, and the tuple no longer claims its deleter is invalid', () => {
  const page = heapPage();
  const before = Buffer.from(page);
  const tuple = linePointer(page, 1).offset;
  assert.equal(tupleXmax(page, 1), 0, 'a fresh insert has no deleter');
  assert.ok(page.readUInt16LE(tuple + INFOMASK) & XMAX_INVALID, 'and says so in its hint bits');
  setFutureXmax(page, 1, 1_000_700);
  assert.equal(tupleXmax(page, 1), 1_000_700);
  assert.equal(page.readUInt16LE(tuple + INFOMASK) & 0x1cd0, 0, 'no xmax hint, lock or multixact bit left');
  const changed = [...page.keys()].filter((i) => page[i] !== before[i]);
  assert.ok(
    changed.every((i) => (i >= tuple + 4 && i < tuple + 8) || i === tuple + INFOMASK || i === tuple + INFOMASK + 1),
    `changed bytes: ${changed.join(', ')}`,
  );
});

test('a page without a live tuple has none to offer', () => {
  const page = heapPage();
  for (let n = 1; n <= 3; n++) page.writeUInt32LE(0, 24 + 4 * (n - 1));
  assert.equal(firstNormalTuple(page), null);
});

test('a rightmost leaf offers its first two keys; a leaf with a right sibling skips its high key', () => {
  const leaf = leafPage();
  assert.deepEqual(leafKeyPair(leaf), [1, 2]);
  const special = leaf.readUInt16LE(16);
  leaf.writeUInt32LE(7, special + 4);
  assert.deepEqual(leafKeyPair(leaf), [2, 3]);
});

test('heap pages, metapages and deleted leaves are not leaf pages with keys', () => {
  assert.equal(leafKeyPair(heapPage()), null, 'a heap page has no special space');
  const leaf = leafPage();
  const special = leaf.readUInt16LE(16);
  leaf.writeUInt16LE(leaf.readUInt16LE(special + 12) | 0x0004, special + 12);
  assert.equal(leafKeyPair(leaf), null, 'deleted');
});

test('swapping two line pointers swaps their items and nothing else', () => {
  const leaf = leafPage();
  const [a, b] = [linePointer(leaf, 1), linePointer(leaf, 2)];
  swapLinePointers(leaf, 1, 2);
  assert.deepEqual(linePointer(leaf, 1), b);
  assert.deepEqual(linePointer(leaf, 2), a);
  swapLinePointers(leaf, 1, 2);
  assert.deepEqual(leaf, leafPage());
});
