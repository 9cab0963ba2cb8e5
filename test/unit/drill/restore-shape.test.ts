import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoped, settleRestore } from '../../../src/drill/restore-shape.ts';
import { EnvironmentError, InterruptedError } from '../../../src/core/errors.ts';
import type { RestoreResult } from '../../../src/run/result.ts';
import type { RestoreEnvironment } from '../../../src/env/environment.ts';

const restore = (): RestoreResult => ({
  target: 'latest',
  environment: { kind: 'local', version: 17 },
  reached: { kind: 'latest', proof: 'not reached' },
  phases: [],
  checks: [],
});

test('finished steps return their value and add nothing', async () => {
  const r = restore();
  assert.equal(await settleRestore(r, async () => 'done', 'unfinished'), 'done');
  assert.deepEqual(r.checks, []);
  assert.equal(r.error, undefined);
});

test("a harness failure becomes the restore's error and an errored restore:completed check, never a pass", async () => {
  const r = restore();
  const value = await settleRestore(
    r,
    async () => {
      throw new EnvironmentError('docker-unreachable', 'the engine went away', { hint: 'start dockerd' });
    },
    'unfinished',
  );
  assert.equal(value, 'unfinished');
  assert.deepEqual(r.error, { code: 'docker-unreachable', message: 'the engine went away', hint: 'start dockerd' });
  assert.deepEqual(
    r.checks.map((c) => [c.id, c.status, c.message]),
    [['restore:completed', 'errored', 'the restore could not be completed: the engine went away']],
  );
  const other = restore();
  await settleRestore(
    other,
    async () => {
      throw new TypeError('x is undefined');
    },
    null,
  );
  assert.deepEqual(other.error, { code: 'internal', message: 'x is undefined' });
});

test('an interruption is rethrown, not recorded', async () => {
  const r = restore();
  await assert.rejects(
    settleRestore(
      r,
      async () => {
        throw new InterruptedError('SIGINT');
      },
      null,
    ),
    InterruptedError,
  );
  assert.deepEqual(r.checks, []);
});

test('a scoped environment is disposed when its scope ends, on every path', async () => {
  let disposed = 0;
  const open = (): RestoreEnvironment => ({
    runtime: {} as RestoreEnvironment['runtime'],
    summary: { kind: 'local', version: 17 },
    dispose: async () => void disposed++,
  });
  {
    await using environment = scoped(open());
    assert.equal(disposed, 0);
    assert.equal(environment.summary.version, 17);
  }
  assert.equal(disposed, 1);
  await assert.rejects(async () => {
    await using _environment = scoped(open());
    throw new Error('step failed');
  });
  assert.equal(disposed, 2);
});
