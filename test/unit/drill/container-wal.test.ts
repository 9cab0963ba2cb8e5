import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerWalCopy, describeWalCopy } from '../../../src/drill/container-wal.ts';
import { WalArchive } from '../../../src/repository/wal-archive.ts';
import { silentLogger } from '../../../src/core/log.ts';
import type { Runtime } from '../../../src/env/runtime.ts';

const SYSTEM = '7400000000000000001';

// An archive with a segment before the backup's start, two from it on, a history file and a backup label.
async function archive(root: string): Promise<WalArchive> {
  const wal = WalArchive.forSystem(root, SYSTEM);
  await mkdir(wal.dir, { recursive: true, mode: 0o700 });
  const files: Record<string, string> = {
    '000000010000000000000001': 'before the backup',
    '000000010000000000000002': 'start segment',
    '000000010000000000000002.00000028.backup': 'label',
    '000000010000000000000003': 'after',
    '00000002.history': '1\t0/3000000\tno reason',
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(wal.dir, name), text, { mode: 0o600 });
  return wal;
}

// Only what readableBy asks of a runtime: its cluster user.
function runtimeOf(uid: number, gid: number): Runtime {
  return { clusterUser: { uid, gid, name: 'postgres' } } as Runtime;
}

test('ContainerWalCopy copies what a restore from the start segment can need, once per cluster user, then only what was archived since, and removes it all', async () => {
  const root = await mkdtemp(join(tmpdir(), 'container-wal-test-'));
  const previous = process.env.RECOVERABLE_WORK_DIR;
  process.env.RECOVERABLE_WORK_DIR = join(root, 'work');
  try {
    const source = await archive(join(root, 'repo'));
    const copy = await ContainerWalCopy.create(source, '000000010000000000000002', silentLogger());
    assert.equal(copy.mount.readOnly, true);
    assert.equal(
      (await stat(copy.mount.path)).mode & 0o777,
      0o755,
      'passable, so a container user reaches its own copy',
    );
    assert.deepEqual(await readdir(copy.mount.path), [], 'nothing copied before a container asks');
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const first = await copy.readableBy(runtimeOf(uid, gid));
    const again = await copy.readableBy(runtimeOf(uid, gid));
    assert.equal(again, first, 'the second container of the same user reads the same copy');
    assert.ok(first.startsWith(copy.mount.path));
    assert.deepEqual((await readdir(first)).sort(), [
      '000000010000000000000002',
      '000000010000000000000002.00000028.backup',
      '000000010000000000000003',
      '00000002.history',
    ]);
    assert.equal(await readFile(join(first, '000000010000000000000003'), 'utf8'), 'after');
    assert.equal((await stat(first)).mode & 0o777, 0o700, 'the copy is private to its user');
    assert.equal(copy.made.length, 1);
    assert.deepEqual(
      { files: copy.made[0]!.files, bytes: copy.made[0]!.bytes },
      { files: 4, bytes: 'start segment'.length + 'label'.length + 'after'.length + '1\t0/3000000\tno reason'.length },
    );
    // Archived since: the next container's copy gains only the new file.
    await writeFile(join(source.dir, '000000010000000000000004'), 'archived later', { mode: 0o600 });
    assert.equal(await copy.readableBy(runtimeOf(uid, gid)), first);
    assert.equal(await readFile(join(first, '000000010000000000000004'), 'utf8'), 'archived later');
    assert.equal(copy.made.length, 2);
    assert.deepEqual(
      { files: copy.made[1]!.files, bytes: copy.made[1]!.bytes },
      { files: 1, bytes: 'archived later'.length },
    );
    await copy.readableBy(runtimeOf(uid, gid));
    assert.equal(copy.made.length, 2, 'nothing new, nothing copied');
    if (uid === 0) {
      const other = await copy.readableBy(runtimeOf(999, 999));
      assert.notEqual(other, first, 'another container user gets its own copy');
      assert.equal((await stat(join(other, '000000010000000000000002'))).uid, 999, "owned by the container's postgres");
      assert.equal(copy.made.length, 3);
      assert.equal(copy.made[2]!.files, 5);
    }
    assert.deepEqual((await readdir(source.dir)).length, 6, "the repository's archive is left as it was");
    await copy.dispose();
    assert.equal(existsSync(copy.mount.path), false);
    await copy.dispose();
  } finally {
    if (previous === undefined) delete process.env.RECOVERABLE_WORK_DIR;
    else process.env.RECOVERABLE_WORK_DIR = previous;
    await rm(root, { recursive: true, force: true });
  }
});

test('describeWalCopy says how many files were reflinks', () => {
  assert.equal(
    describeWalCopy({ files: 3, bytes: 3 * 16 * 1024 * 1024, reflinked: 3, durationMs: 12 }),
    '3 files, 48.0 MiB (all by reflink) in 12 ms',
  );
  assert.equal(
    describeWalCopy({ files: 3, bytes: 2048, reflinked: 0, durationMs: 1500 }),
    '3 files, 2.0 KiB (full copies) in 1.5 s',
  );
  assert.equal(
    describeWalCopy({ files: 3, bytes: 2048, reflinked: 1, durationMs: 5 }),
    '3 files, 2.0 KiB (1 by reflink) in 5 ms',
  );
});
