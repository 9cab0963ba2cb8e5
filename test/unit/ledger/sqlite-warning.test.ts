import { test } from 'node:test';
import assert from 'node:assert/strict';

test('loading the ledger leaves process.emitWarning as it was (only the load of node:sqlite is filtered)', async () => {
  const original = process.emitWarning;
  await import('../../../src/ledger/run-ledger.ts');
  assert.equal(process.emitWarning, original);
});
