// Docker restores of a multi-target physical drill: the WAL archive is copied once for the whole drill, not per target;
// with the repository and the work root on one btrfs, the containers' restore copies are reflinks too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage, containersUnder } from '../helpers/docker.ts';
import { btrfsSkip, mountLoopBtrfs, type LoopBtrfs } from '../helpers/btrfs.ts';
import { neededWal } from '../../src/restore/plaintext-wal.ts';
import { formatBytes } from '../../src/report/format.ts';
import type { BackupRecord } from '../../src/repository/backup-record.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const skip = unavailable || (await requireImage('postgres:15', { requiredInCi: true }));
// Where btrfs cannot be mounted (not root), the same drill runs on the work root's own filesystem and copies in full.
const onBtrfs = !btrfsSkip();

let ws: Workspace;
let btrfs: LoopBtrfs | null = null;
before(async () => {
  ws = await workspace();
  // A short mount point: a server's socket path in a container's work dir must stay under 108 bytes.
  if (onBtrfs && !skip) btrfs = await mountLoopBtrfs(join(ws.dir, 'btrfs.img'), await mkdtemp(join(tmpdir(), 'cow-')));
});
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no copy of the WAL archive and no cluster left in the work root');
  assert.deepEqual(skip ? [] : containersUnder(ws.workDir), [], 'no container left behind');
  await btrfs?.unmount();
  await ws.dispose();
});

test(
  'a two-target basebackup drill in docker passes, copying the WAL archive once for both containers',
  { skip },
  async (t) => {
    const root = btrfs?.mount ?? ws.dir;
    const repository = join(root, 'repo');
    const work = btrfs ? join(root, 'w') : ws.workDir;
    await mkdir(work, { recursive: true, mode: 0o755 });
    const file = await ws.scenario(
      'docker-wal-once.yaml',
      `name: docker-wal-once
source: { managed: { version: 15, fixtures: [${ws.dir}/fixtures/shop.sql], workload: { seed: 9, transactions: 200 } } }
repository: ${repository}
backup: { method: basebackup }
restore: { environment: docker, targets: [immediate, latest] }
checks: [rowcounts, fingerprints]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: { RECOVERABLE_WORK_DIR: work } });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-3000));
    const result = await latestResult(join(ws.dir, 'reports'), 'docker-wal-once');
    assert.deepEqual(
      result.restores.map((r) => r.environment.kind),
      ['docker', 'docker'],
    );
    for (const restore of result.restores) {
      for (const id of ['recovery:target', 'markers', 'wal:continuity', 'fingerprint:shop.order_lines'])
        assert.equal(restore.checks.find((c) => c.id === id)?.status, 'passed', `${restore.target}: ${id}`);
      assert.ok(restore.copy, `${restore.target}: the restore states its copy`);
      assert.ok(restore.copy.bytes > 0 && restore.copy.files > 0);
      // Cloned inside the container, across its bind mounts of one filesystem.
      assert.equal(restore.copy.method, btrfs ? 'reflink' : 'full', restore.target);
      assert.equal(restore.copy.bytesWritten, btrfs ? 0 : restore.copy.bytes);
    }
    // One copy line for two containers, and it names every file a restore from this backup can ask for.
    const copies = run.stderr
      .split('\n')
      .filter((l) => l.includes("WAL archive copied once for the drill's containers"));
    assert.equal(copies.length, 1, run.stderr.slice(-3000));
    const backups = join(repository, 'backups');
    const record = JSON.parse(
      await readFile(join(backups, (await readdir(backups))[0]!, 'backup.json'), 'utf8'),
    ) as BackupRecord;
    const archive = join(repository, 'wal', record.physical!.systemIdentifier);
    const needed = neededWal(await readdir(archive), record.physical!.startSegment);
    let bytes = 0;
    for (const name of needed) bytes += (await stat(join(archive, name))).size;
    t.diagnostic(copies[0]!.replace(/^.*WAL archive/, 'WAL archive'));
    for (const restore of result.restores) t.diagnostic(`${restore.target}: ${JSON.stringify(restore.copy)}`);
    assert.ok(
      copies[0]!.includes(
        `: ${needed.length} files, ${formatBytes(bytes)} (${btrfs ? 'all by reflink' : 'full copies'})`,
      ),
      `${needed.length} files, ${formatBytes(bytes)} expected: ${copies[0]}`,
    );
    assert.deepEqual(
      (await readdir(work)).filter((n) => n.startsWith('recoverable-')),
      [],
      'nothing left in the work root',
    );
  },
);
