import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureWriteRate } from '../../../src/restore/write-rate.ts';

test('measureWriteRate writes and syncs a probe, removes it, and measures a filesystem once per run', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'write-rate-test-'));
  try {
    const rate = await measureWriteRate(dir);
    assert.ok(Number.isFinite(rate) && rate > 0, `a rate in bytes per second: ${rate}`);
    assert.deepEqual(await readdir(dir), [], 'no probe file left');
    const other = await mkdtemp(join(tmpdir(), 'write-rate-test-'));
    try {
      assert.equal(await measureWriteRate(other), rate, 'the same filesystem is not probed again');
    } finally {
      await rm(other, { recursive: true });
    }
    await assert.rejects(measureWriteRate(join(dir, 'missing')), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true });
  }
});
