import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolError } from '../../../src/core/errors.ts';
import type { RunResult } from '../../../src/core/exec.ts';
import type { Runtime, ToolOptions } from '../../../src/env/runtime.ts';
import { copyForRestore, summariseCopy, treeSize, withFullCopyCost } from '../../../src/restore/restore-copy.ts';
import type { Clock } from '../../../src/core/clock.ts';

// A runtime that records system commands; `refuse` says which reflinks (the probe's file, or a whole tree) fail.
function recordingRuntime(refuse: (from: string, probe: boolean) => boolean): { runtime: Runtime; calls: string[][] } {
  const calls: string[][] = [];
  const ok: RunResult = { stdout: '', stderr: '', durationMs: 1 };
  const runtime = {
    kind: 'local',
    major: 15,
    version: '15.0',
    clusterUser: null,
    has: () => true,
    tool: async () => ok,
    system: async (file: string, args: readonly string[], _options?: ToolOptions): Promise<RunResult> => {
      calls.push([file, ...args]);
      const probe = file === 'sh';
      if ((probe || args.includes('--reflink=always')) && refuse(probe ? args[3]! : args.at(-2)!, probe)) {
        throw new ToolError({
          command: 'cp',
          exitCode: 1,
          stderrTail: 'cp: failed to clone: Operation not supported',
          durationMs: 1,
        });
      }
      return ok;
    },
    adopt: async () => {},
    workRoot: () => tmpdir(),
    describe: () => 'test runtime',
  } satisfies Runtime;
  return { runtime, calls };
}

// A clock that moves 250 ms per reading.
function steppingClock(): Clock {
  let now = 0;
  return { now: () => (now += 250), date: () => new Date(0), sleep: async () => undefined };
}

async function tree(files: Record<string, number>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'restore-copy-test-'));
  for (const [name, size] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), Buffer.alloc(size));
  }
  return dir;
}

test('treeSize counts regular files and their bytes, not directories or symbolic links, and finds the largest', async () => {
  const dir = await tree({ 'base/1/1259': 16384, 'global/pg_control': 8192, PG_VERSION: 3 });
  try {
    await symlink('/nonexistent/tablespace', join(dir, 'link'));
    assert.deepEqual(await treeSize(dir), { files: 3, bytes: 24579, largest: join(dir, 'base/1/1259') });
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('copyForRestore clones by reflink and never falls back when the filesystem accepts it', async () => {
  const data = await tree({ 'base/1/1259': 8192, PG_VERSION: 3 });
  try {
    const { runtime, calls } = recordingRuntime(() => false);
    const copy = await copyForRestore(runtime, [{ from: data, to: '/restore/data', label: 'backup' }], steppingClock());
    assert.deepEqual(
      calls.map((c) => c.filter((a) => !a.includes('$'))),
      [
        ['sh', '-c', 'sh', join(data, 'base/1/1259'), '/restore/data.reflink-probe'],
        ['cp', '-a', '--reflink=always', data, '/restore/data'],
      ],
    );
    assert.deepEqual(copy, { method: 'reflink', files: 2, bytes: 8195, bytesWritten: 0, durationMs: 250 });
    assert.ok(!calls.flat().includes('-l') && !calls.flat().includes('--link'), 'never hard links');
  } finally {
    await rm(data, { recursive: true });
  }
});

test('copyForRestore copies every byte where the probe is refused, without trying a clone of the whole tree', async () => {
  const data = await tree({ 'base/1/1259': 8192 });
  const space = await tree({ 'PG_15/16384/16390': 4096 });
  try {
    const { runtime, calls } = recordingRuntime((from) => from.startsWith(space));
    const copy = await copyForRestore(
      runtime,
      [
        { from: data, to: '/r/data', label: 'backup' },
        { from: space, to: '/r/ts', label: 'tablespace archive' },
      ],
      steppingClock(),
    );
    assert.deepEqual(
      calls.filter((c) => c[0] === 'cp'),
      [
        ['cp', '-a', '--reflink=always', data, '/r/data'],
        ['cp', '-a', space, '/r/ts'],
      ],
    );
    assert.equal(copy.method, 'mixed');
    assert.equal(copy.bytes, 12288);
    assert.equal(copy.bytesWritten, 4096, 'only the tablespace was written');
  } finally {
    await rm(data, { recursive: true });
    await rm(space, { recursive: true });
  }
});

test('copyForRestore removes a whole-tree clone that failed after the probe passed, and copies every byte instead', async () => {
  const data = await tree({ 'base/1/1259': 8192, 'base/1/1260': 100 });
  try {
    const { runtime, calls } = recordingRuntime((_from, probe) => !probe);
    const copy = await copyForRestore(runtime, [{ from: data, to: '/r/data', label: 'backup' }], steppingClock());
    assert.deepEqual(calls.slice(1), [
      ['cp', '-a', '--reflink=always', data, '/r/data'],
      ['rm', '-rf', '/r/data'],
      ['cp', '-a', data, '/r/data'],
    ]);
    assert.deepEqual({ method: copy.method, bytesWritten: copy.bytesWritten }, { method: 'full', bytesWritten: 8292 });
  } finally {
    await rm(data, { recursive: true });
  }
});

test('copyForRestore copies a tree without files in full, and it does not make a reflink copy mixed', async () => {
  const data = await tree({ 'base/1/1259': 8192 });
  const empty = await mkdtemp(join(tmpdir(), 'restore-copy-test-'));
  try {
    const { runtime, calls } = recordingRuntime(() => false);
    const copy = await copyForRestore(
      runtime,
      [
        { from: data, to: '/r/data', label: 'backup' },
        { from: empty, to: '/r/ts', label: 'tablespace' },
      ],
      steppingClock(),
    );
    assert.deepEqual(calls.at(-1), ['cp', '-a', empty, '/r/ts'], 'nothing to probe with: a plain copy');
    assert.equal(copy.method, 'reflink');
  } finally {
    await rm(data, { recursive: true });
    await rm(empty, { recursive: true });
  }
});

test("copyForRestore lets a failure that is not the tool's own through", async () => {
  const { runtime } = recordingRuntime(() => false);
  await assert.rejects(
    copyForRestore(runtime, [{ from: '/no/such/backup', to: '/r/data', label: 'backup' }], steppingClock()),
    /ENOENT/,
  );
});

test('summariseCopy: reflink only when every tree was one, full when none', () => {
  const reflinked = { reflink: true, files: 2, bytes: 100 };
  const full = { reflink: false, files: 1, bytes: 50 };
  assert.deepEqual(summariseCopy([reflinked, reflinked], 10), {
    method: 'reflink',
    files: 4,
    bytes: 200,
    bytesWritten: 0,
    durationMs: 10,
  });
  assert.deepEqual(summariseCopy([full, full], 10), {
    method: 'full',
    files: 2,
    bytes: 100,
    bytesWritten: 100,
    durationMs: 10,
  });
  assert.equal(summariseCopy([reflinked, full], 10).method, 'mixed');
  assert.equal(
    summariseCopy([{ reflink: false, files: 0, bytes: 0 }], 10).method,
    'full',
    'nothing copied is no reflink',
  );
});

test('withFullCopyCost: a full copy is priced by its own rate, a reflink by the probed rate, and not at all without one', () => {
  const full = { method: 'full' as const, files: 1, bytes: 500_000_000, bytesWritten: 500_000_000, durationMs: 2000 };
  assert.deepEqual(withFullCopyCost(full, 1).fullCopy, {
    bytesPerSecond: 250_000_000,
    estimatedMs: 2000,
    basis: 'measured by this copy',
  });
  const reflink = { method: 'reflink' as const, files: 1, bytes: 500_000_000, bytesWritten: 0, durationMs: 40 };
  const priced = withFullCopyCost(reflink, 100_000_000).fullCopy!;
  assert.equal(priced.estimatedMs, 5000);
  assert.equal(priced.bytesPerSecond, 100_000_000);
  assert.match(priced.basis, /write probe/);
  assert.equal(withFullCopyCost(reflink, null).fullCopy, undefined, 'no rate, no made-up estimate');
  assert.equal(withFullCopyCost({ ...full, durationMs: 0 }, null).fullCopy, undefined);
});
