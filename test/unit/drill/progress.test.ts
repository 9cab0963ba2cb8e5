// Progress lines: restore n of N, time into the drill, and how each restore ended with its phases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restoreFinished, restoreStarting } from '../../../src/drill/progress.ts';
import { check, restore } from '../report/sample-result.ts';

test('a restore starting says which of how many and how long the drill has run', () => {
  assert.equal(
    restoreStarting(2, 8, 'b1 to latest in a local PostgreSQL 15 environment', 64_000),
    '[2/8] restoring b1 to latest in a local PostgreSQL 15 environment (1 min 4 s into the drill)',
  );
});

test('a finished restore says its own verdict and each phase; a failed check makes it failed', () => {
  const sound = restore({ target: 'latest' });
  assert.equal(
    restoreFinished(3, 8, sound, 12_300),
    '[3/8] latest: passed after fetch 1.2 s, restore 8.4 s, checks 2.5 s (12.3 s into the drill)',
  );
  const broken = restore({
    target: 'marker:batch-2',
    checks: [check({ id: 'rowcount:shop.orders', status: 'failed' })],
  });
  assert.match(restoreFinished(4, 8, broken, 20_000), /^\[4\/8\] marker:batch-2: failed after /);
});
