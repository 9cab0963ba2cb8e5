import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backupOrigin } from '../../../src/report/format.ts';

test("a report says where the drilled backup came from, and never calls another tool's backup taken or reused", () => {
  assert.equal(backupOrigin({ method: 'basebackup', taken: true }), 'taken by this run');
  assert.equal(backupOrigin({ method: 'dump', taken: false }), 'reused from the repository');
  assert.match(
    backupOrigin({ method: 'external', taken: false }),
    /^another tool's backup, brought back by its restore command/,
  );
});
