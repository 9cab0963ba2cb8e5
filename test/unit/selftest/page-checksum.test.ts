import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKSUM_OFFSET, PAGE_SIZE, pageChecksum, sealPage } from '../../../src/selftest/inject/page-checksum.ts';
import { heapPage, leafPage } from './sample-pages.ts';

test('the checksum of a page PostgreSQL wrote is the one it stored, at the block number it was written to', () => {
  const heap = heapPage();
  const leaf = leafPage();
  assert.equal(heap.length, PAGE_SIZE);
  assert.equal(pageChecksum(heap, 0), heap.readUInt16LE(CHECKSUM_OFFSET));
  assert.equal(pageChecksum(leaf, 1), leaf.readUInt16LE(CHECKSUM_OFFSET));
});

test('the block number is part of the checksum: a page moved elsewhere does not verify', () => {
  const heap = heapPage();
  assert.notEqual(pageChecksum(heap, 1), heap.readUInt16LE(CHECKSUM_OFFSET));
});

test('one changed byte changes the checksum; sealing the page makes it verify again and leaves the rest as it was', () => {
  const page = heapPage();
  const stored = page.readUInt16LE(CHECKSUM_OFFSET);
  page[PAGE_SIZE - 100] = page[PAGE_SIZE - 100]! ^ 0x01;
  assert.notEqual(pageChecksum(page, 0), stored);
  const before = Buffer.from(page);
  sealPage(page, 0);
  assert.equal(page.readUInt16LE(CHECKSUM_OFFSET), pageChecksum(page, 0));
  assert.deepEqual(page.subarray(CHECKSUM_OFFSET + 2), before.subarray(CHECKSUM_OFFSET + 2));
  assert.deepEqual(page.subarray(0, CHECKSUM_OFFSET), before.subarray(0, CHECKSUM_OFFSET));
});

test('computing a checksum does not change the page, and a page of the wrong size is refused', () => {
  const page = heapPage();
  const copy = Buffer.from(page);
  pageChecksum(page, 7);
  assert.deepEqual(page, copy);
  assert.throws(() => pageChecksum(Buffer.alloc(4096), 0), /a page is 8192 bytes, got 4096/);
});
