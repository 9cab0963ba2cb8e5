// The work root: created when named but missing; a path that cannot be a directory is an environment error with a fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWorkRoot } from '../../../src/env/work-root.ts';
import { EnvironmentError, ExitCode } from '../../../src/core/errors.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

test('a missing work root is created, nested, and passable by the cluster user', async () => {
  const base = await mkdtemp(join(tmpdir(), 'work-root-'));
  try {
    const root = join(base, 'a', 'b');
    assert.equal(await ensureWorkRoot(root), root);
    const st = await stat(root);
    assert.ok(st.isDirectory());
    assert.equal(st.mode & 0o111, 0o111);
    assert.equal(await ensureWorkRoot(root), root, 'an existing one is fine');
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('a work root under a regular file is an environment error naming the path and the variable to set', async () => {
  const base = await mkdtemp(join(tmpdir(), 'work-root-'));
  try {
    await writeFile(join(base, 'file'), '');
    const root = join(base, 'file', 'work');
    await assert.rejects(ensureWorkRoot(root), (error: unknown) => {
      assert.ok(error instanceof EnvironmentError);
      assert.equal(exitCodeOf(error.category), ExitCode.environment);
      assert.equal(error.code, 'work-dir-unusable');
      assert.match(error.message, new RegExp(`cannot create the work directory ${root}`));
      assert.match(error.hint ?? '', /RECOVERABLE_WORK_DIR/);
      return true;
    });
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
