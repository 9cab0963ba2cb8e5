// How a physical restore copies its backup: in full on ext4, by reflink on btrfs, and never into the backup's own files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { cli, ROOT } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { btrfsSkip, mountLoopBtrfs } from '../helpers/btrfs.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { Cluster } from '../../src/env/cluster.ts';
import type { BackupRecord } from '../../src/repository/backup-record.ts';
import type { RestoreResult, RunResult } from '../../src/run/result.ts';

let ws: Workspace;
let ext4: RunResult;
let record: BackupRecord;

// A basebackup of the shop with part of it in a tablespace (a second tree to copy, and a link pg_verifybackup follows), drilled as `cow`.
function scenario(repository: string, targets: string, use = ''): string {
  return `name: cow
source:
  managed:
    version: 15
    fixtures: [${ws.dir}/fixtures/shop.sql, ${join(ROOT, 'fixtures/tablespace.sql')}]
    tablespaces: [archive]
    workload: { seed: 5, transactions: 200 }
repository: ${repository}
backup: { method: basebackup${use ? `, use: ${use}` : ''} }
restore: { targets: [${targets}] }
checks: [rowcounts, fingerprints]
report: { dir: ${ws.dir}/reports, formats: [json, markdown] }
`;
}

// Every regular file under `dir`, relative path to size and SHA-256.
async function fileHashes(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    hashes.set(
      relative(dir, path),
      createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    );
  }
  return hashes;
}

// What a full copy of the backup writes: its data directory and tablespaces, counted apart from the code under test.
async function backupTrees(backupDir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const tree of [record.physical!.dataDir, ...record.physical!.tablespaces.map((t) => t.path)]) {
    for (const entry of await readdir(join(backupDir, tree), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      files += 1;
      bytes += (await stat(join(entry.parentPath, entry.name))).size;
    }
  }
  return { files, bytes };
}

// The largest file under base/ of a data directory whose name passes `accept`.
async function largestRelationFile(dataDir: string, accept: (name: string) => boolean = () => true): Promise<string> {
  let best = { path: '', size: -1 };
  for (const entry of await readdir(join(dataDir, 'base'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !accept(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const { size } = await stat(path);
    if (size > best.size) best = { path, size };
  }
  return best.path;
}

const unpassed = (restore: RestoreResult): string[] =>
  restore.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped').map((c) => `${c.id}: ${c.message}`);

before(async () => {
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
  const run = await cli(['drill', await ws.scenario('cow.yaml', scenario(join(ws.dir, 'repo'), 'latest'))], {
    cwd: ws.dir,
    env: ws.env,
  });
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
  ext4 = await latestResult(join(ws.dir, 'reports'), 'cow');
  const backups = join(ws.dir, 'repo', 'backups');
  record = JSON.parse(
    await readFile(join(backups, (await readdir(backups))[0]!, 'backup.json'), 'utf8'),
  ) as BackupRecord;
});

after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

test('on ext4 a restore copies every byte of the backup, says so, and prices the copy at its own rate', async (t) => {
  assert.equal(ext4.verdict, 'passed', ext4.summary);
  assert.equal(
    ext4.checks.find((c) => c.id === 'pg_verifybackup')?.status,
    'passed',
    'pg_verifybackup follows the tablespace link',
  );
  assert.equal(record.physical!.tablespaces.length, 1);
  const copy = ext4.restores[0]!.copy;
  assert.ok(copy, 'the restore states its copy');
  const expected = await backupTrees(join(ws.dir, 'repo', 'backups', record.id));
  assert.deepEqual(
    { method: copy.method, files: copy.files, bytes: copy.bytes, bytesWritten: copy.bytesWritten },
    { method: 'full', ...expected, bytesWritten: expected.bytes },
  );
  assert.equal(copy.fullCopy?.basis, 'measured by this copy');
  assert.equal(copy.fullCopy.estimatedMs, copy.durationMs);
  assert.ok(copy.fullCopy.bytesPerSecond > 0);
  const summary = await readFile(
    join(ws.dir, 'reports', (await readdir(join(ws.dir, 'reports')))[0]!, 'summary.md'),
    'utf8',
  );
  assert.match(summary, new RegExp(`^- Copy: full copy: ${expected.files} files, `, 'm'));
  t.diagnostic(
    `ext4 full copy: ${copy.files} files, ${copy.bytes} bytes in ${copy.durationMs} ms (${Math.round(copy.fullCopy.bytesPerSecond / 1e6)} MB/s)`,
  );
});

test(
  'on btrfs a restore is a reflink copy that passes, and writing into one restore changes neither the backup nor the next restore',
  { skip: btrfsSkip() },
  async (t) => {
    const btrfs = await mountLoopBtrfs(join(ws.dir, 'btrfs.img'), join(ws.dir, 'btrfs'));
    try {
      const repository = join(btrfs.mount, 'repo');
      execFileSync('cp', ['-a', join(ws.dir, 'repo'), repository]);
      const work = join(btrfs.mount, 'work');
      execFileSync('mkdir', ['-m', '0755', work]);
      const backupDir = join(repository, 'backups', record.id);
      const walDir = join(repository, 'wal', record.physical!.systemIdentifier);
      const before = { backup: await fileHashes(backupDir), wal: await fileHashes(walDir) };
      let calls = 0;
      let faulted = '';
      let sharedExtents = '';
      // First restore: the server deletes rows and checkpoints, and a free space map (no check reads one) is overwritten
      // directly, both in place. Second restore: untouched; its copy must still share extents with the backup.
      const afterRestore = async (cluster: Cluster, database: string): Promise<void> => {
        calls += 1;
        if (calls === 1) {
          const victim = await largestRelationFile(cluster.dataDir, (name) => name.endsWith('_fsm'));
          const client = await cluster.connect(database);
          try {
            await client.query(
              'delete from shop.order_lines where ctid in (select ctid from shop.order_lines limit 5)',
            );
            await client.query('checkpoint');
          } finally {
            await client.end();
          }
          const handle = await open(victim, 'r+');
          try {
            await handle.write(Buffer.from('written into the restored copy'), 0, undefined, 8192 + 100);
          } finally {
            await handle.close();
          }
          faulted = relative(cluster.dataDir, victim);
        } else {
          sharedExtents = execFileSync('filefrag', ['-v', await largestRelationFile(cluster.dataDir)], {
            encoding: 'utf8',
          });
        }
      };
      process.env.RECOVERABLE_WORK_DIR = work;
      let result: RunResult;
      try {
        const loaded = await loadScenario(
          await ws.scenario('cow-btrfs.yaml', scenario(repository, 'immediate, latest', 'latest')),
        );
        result = (await runDrill(loaded, { log: silentLogger(), clock: systemClock, afterRestore })).result;
      } finally {
        process.env.RECOVERABLE_WORK_DIR = ws.workDir;
      }
      const [faultedRestore, clean] = result.restores;
      const full = ext4.restores[0]!.copy!;
      for (const restore of [faultedRestore!, clean!]) {
        const copy = restore.copy!;
        assert.deepEqual(
          { method: copy.method, files: copy.files, bytes: copy.bytes, bytesWritten: copy.bytesWritten },
          { method: 'reflink', files: full.files, bytes: full.bytes, bytesWritten: 0 },
          restore.target,
        );
        assert.match(
          copy.fullCopy?.basis ?? '',
          /write probe/,
          'a reflink copy still says what a full copy would cost',
        );
        assert.ok(copy.fullCopy!.estimatedMs > 0);
      }
      // The fault is seen in the restore it was made in ...
      assert.equal(faultedRestore!.checks.find((c) => c.id === 'rowcount:shop.order_lines')?.status, 'failed');
      // ... and nowhere else: the next restore of the same backup is exact, and the backup's files are unchanged.
      assert.deepEqual(unpassed(clean!), [], 'the second restore passes every check');
      assert.match(
        sharedExtents,
        /shared/,
        `the second restore's copy shares extents with the backup:\n${sharedExtents}`,
      );
      assert.ok(faulted.startsWith('base/'), faulted);
      assert.deepEqual(
        await fileHashes(backupDir),
        before.backup,
        `the backup's files are unchanged (${faulted} was written in the restore)`,
      );
      assert.deepEqual(await fileHashes(walDir), before.wal, 'the WAL archive is unchanged');
      assert.deepEqual(
        (await readdir(work)).filter((n) => n.startsWith('recoverable-')),
        [],
        'nothing left in the btrfs work root',
      );
      t.diagnostic(
        `btrfs reflink copy: ${clean!.copy!.files} files, ${clean!.copy!.bytes} bytes in ${clean!.copy!.durationMs} ms; full copy on ext4 took ${full.durationMs} ms; priced on btrfs at ${clean!.copy!.fullCopy!.estimatedMs} ms`,
      );
    } finally {
      await btrfs.unmount();
    }
  },
);
