// Snapshot backups: the copy driver on ext4, btrfs subvolumes on a loop device, and the faults they must catch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, readdir, rm, cp, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { cli, ROOT } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import { Cluster, privateTempDir } from '../../src/env/cluster.ts';
import { silentLogger } from '../../src/core/log.ts';
import { buildManifest, MANIFEST_FILE } from '../../src/repository/manifest.ts';
import type { RunResult, RestoreResult, CheckResult } from '../../src/run/result.ts';
import type { BackupRecord } from '../../src/repository/backup-record.ts';

let ws: Workspace;
let record: BackupRecord;

const results = (name: string): Promise<RunResult> => latestResult(join(ws.dir, 'reports'), name);
const checkOf = (restore: RestoreResult, id: string): CheckResult | undefined =>
  restore.checks.find((c) => c.id === id);

// Every target of a passing snapshot drill: backup recovery proved, tablespace content exact.
function assertExactRestores(result: RunResult): void {
  assert.equal(result.verdict, 'passed', result.summary);
  for (const restore of result.restores) {
    assert.match(restore.reached.proof, /starting backup recovery with redo LSN/, restore.target);
    for (const id of [
      'snapshot:volumes',
      'snapshot:backup-label',
      'snapshot:tablespace-map',
      'recovery:target',
      'markers',
      'checksums',
      'fingerprint:shop.orders_2024_01',
      'fingerprint:audit.cold_events',
      'fingerprint:shop.order_lines',
    ]) {
      assert.equal(
        checkOf(restore, id)?.status,
        'passed',
        `${restore.target}: ${id}: ${checkOf(restore, id)?.message}`,
      );
    }
  }
}

before(async () => {
  ws = await workspace();
  await cp(join(ROOT, 'scenarios'), join(ws.dir, 'scenarios'), { recursive: true });
  const run = await cli(['drill', 'scenarios/snapshot.yaml'], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
  const backups = join(ws.dir, '.recoverable/snapshot/backups');
  record = JSON.parse(
    await readFile(join(backups, (await readdir(backups))[0]!, 'backup.json'), 'utf8'),
  ) as BackupRecord;
});

after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

test('copy driver on ext4: snapshot taken while the workload writes, restored to immediate, a marker and latest, all exact', async () => {
  const result = await results('snapshot');
  assert.equal(result.backup?.method, 'snapshot');
  assert.deepEqual(
    result.restores.map((r) => r.target),
    ['immediate', 'marker:batch-2', 'latest'],
  );
  assertExactRestores(result);
  assert.equal(record.physical!.tablespaces.length, 1);
  assert.equal(record.snapshot!.driver, 'copy');
  assert.match(
    await readFile(join(ws.dir, '.recoverable/snapshot/backups', record.id, record.snapshot!.labelFile), 'utf8'),
    /^START WAL LOCATION: /,
  );
});

const asRoot = process.getuid?.() === 0;
// btrfs-progs is set up by .ci/run; elsewhere its absence is a visible skip, in CI a failure.
const hasBtrfsTools = ((): boolean => {
  try {
    execFileSync('mkfs.btrfs', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const btrfsSkip = !asRoot
  ? 'a loop-mounted btrfs needs root'
  : !hasBtrfsTools && !process.env.CI
    ? 'mkfs.btrfs is not installed (apt-get install btrfs-progs; .ci/run does)'
    : false;
test(
  'btrfs driver: read-only subvolume snapshots of PGDATA and a tablespace on a loop-mounted btrfs',
  { skip: btrfsSkip },
  async () => {
    const image = join(ws.dir, 'btrfs.img');
    const mount = join(ws.dir, 'btrfs');
    await mkdir(mount);
    execFileSync('truncate', ['-s', '2G', image]);
    execFileSync('mkfs.btrfs', ['-q', image]);
    execFileSync('mount', ['-o', 'loop', image, mount]);
    try {
      const work = join(mount, 'work');
      await mkdir(work, { mode: 0o755 });
      const file = await ws.scenario(
        'btrfs.yaml',
        `name: btrfs
source:
  managed:
    fixtures: [${ws.dir}/fixtures/shop.sql, ${join(ROOT, 'fixtures/tablespace.sql')}]
    tablespaces: [archive]
    workload: { seed: 5, transactions: 300 }
repository: ${mount}/repo
backup: { method: snapshot, snapshot: { driver: btrfs } }
restore:
  targets: [immediate, { marker: batch-2 }, latest]
checks: [rowcounts, fingerprints, schema, sequences, large-objects, roles, amcheck]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
      );
      const run = await cli(['drill', file], { cwd: ws.dir, env: { RECOVERABLE_WORK_DIR: work } });
      assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
      const result = await results('btrfs');
      assertExactRestores(result);
      const backups = join(mount, 'repo', 'backups');
      const stored = JSON.parse(
        await readFile(join(backups, (await readdir(backups))[0]!, 'backup.json'), 'utf8'),
      ) as BackupRecord;
      assert.deepEqual(
        Object.keys(stored.snapshot!.subvolumes!).sort(),
        ['data', stored.physical!.tablespaces[0]!.oid].sort(),
      );
      for (const path of Object.values(stored.snapshot!.subvolumes!)) {
        assert.match(execFileSync('btrfs', ['property', 'get', '-ts', path, 'ro'], { encoding: 'utf8' }), /ro=true/);
      }
      assert.deepEqual(
        (await readdir(work)).filter((n) => n.startsWith('recoverable-')),
        [],
      );
    } finally {
      execFileSync('umount', [mount]);
      await rm(image, { force: true });
    }
  },
);

// A copy of the snapshot repository for one fault.
async function cloneRepository(name: string): Promise<{ repository: string; backup: string }> {
  const repository = join(ws.dir, `repo-${name}`);
  execFileSync('cp', ['-a', join(ws.dir, '.recoverable/snapshot'), repository]);
  return { repository, backup: join(repository, 'backups', record.id) };
}

// The snapshot scenario again (backup.use picks only its own backups), against a copy of its repository, reporting apart.
async function drill(
  name: string,
  repository: string,
): Promise<{ exitCode: number; restore: RestoreResult; result: RunResult }> {
  const file = await ws.scenario(
    `${name}.yaml`,
    `name: snapshot
source:
  managed: { fixtures: [${ws.dir}/fixtures/shop.sql] }
repository: ${repository}
backup: { method: snapshot, use: latest, snapshot: { driver: copy } }
restore: { targets: [immediate] }
checks: [rowcounts, fingerprints]
report: { dir: ${ws.dir}/reports-${name}, formats: [json] }
`,
  );
  const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
  const result = await latestResult(join(ws.dir, `reports-${name}`), 'snapshot');
  return { exitCode: run.exitCode, restore: result.restores[0]!, result };
}

async function rewriteOurManifest(backup: string): Promise<void> {
  await writeFile(join(backup, MANIFEST_FILE), JSON.stringify(await buildManifest(backup)));
}

test('backup_label removed from the restore: crash recovery instead of backup recovery is caught, not passed', async () => {
  const { repository, backup } = await cloneRepository('nolabel');
  await rm(join(backup, record.snapshot!.labelFile));
  await rewriteOurManifest(backup);
  const { exitCode, restore } = await drill('nolabel', repository);
  assert.equal(exitCode, 1);
  assert.match(checkOf(restore, 'snapshot:backup-label')!.message, /backup_label is missing from the backup/);
  assert.equal(checkOf(restore, 'recovery:backup-label')?.actual, 'crash recovery');
  assert.doesNotMatch(restore.reached.proof, /starting backup recovery/);
});

test('backup_label edited: it no longer matches the bytes pg_backup_stop returned', async () => {
  const { repository, backup } = await cloneRepository('editedlabel');
  const file = join(backup, record.snapshot!.labelFile);
  await writeFile(file, (await readFile(file, 'utf8')).replace(/^LABEL: .*$/m, 'LABEL: edited by hand'));
  await rewriteOurManifest(backup);
  const { exitCode, restore } = await drill('editedlabel', repository);
  assert.equal(exitCode, 1);
  assert.equal(checkOf(restore, 'snapshot:backup-label')!.status, 'failed');
  assert.match(
    checkOf(restore, 'snapshot:backup-label')!.message,
    /backup_label differs from what pg_backup_stop returned/,
  );
});

test('tablespace_map missing: named, with the tablespace it leaves unmapped', async () => {
  const { repository, backup } = await cloneRepository('nomap');
  await rm(join(backup, record.snapshot!.spcmapFile!));
  await rewriteOurManifest(backup);
  const { exitCode, restore } = await drill('nomap', repository);
  assert.equal(exitCode, 1);
  assert.match(
    checkOf(restore, 'snapshot:tablespace-map')!.message,
    /tablespace_map is missing: the backup has 1 tablespace\(s\) \(archive\)/,
  );
});

test("a tablespace's snapshot missing: the restore fails naming the tablespace", async () => {
  const { repository, backup } = await cloneRepository('nospc');
  const oid = record.physical!.tablespaces[0]!.oid;
  await rm(join(backup, 'tablespaces', oid), { recursive: true });
  await rewriteOurManifest(backup);
  const { exitCode, restore } = await drill('nospc', repository);
  assert.equal(exitCode, 1);
  assert.equal(checkOf(restore, 'snapshot:volumes')!.status, 'failed');
  assert.match(
    checkOf(restore, 'snapshot:volumes')!.message,
    new RegExp(`the snapshot of tablespace ${oid} is missing`),
  );
});

async function urlSnapshotDrill(
  name: string,
  options: { archiveCommand?: string; snapshot: string; archiveTimeout?: string },
): Promise<{ exitCode: number; output: string; serverLog: string; repository: string }> {
  const repository = join(ws.dir, `repo-${name}`);
  const { cluster, url } = await sourceCluster(
    repository,
    options.archiveCommand ? { archiveCommand: options.archiveCommand } : {},
  );
  try {
    const file = await ws.scenario(
      `${name}.yaml`,
      `name: ${name}
source: { url: "${url}" }
repository: ${repository}
backup: { method: snapshot, snapshot: ${options.snapshot}${options.archiveTimeout ? `, archiveTimeout: ${options.archiveTimeout}` : ''} }
restore: { targets: [immediate] }
checks: [amcheck]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
    return { exitCode: run.exitCode, output: run.stdout + run.stderr, serverLog: await cluster.readLog(), repository };
  } finally {
    await cluster.dispose();
  }
}

test('the snapshot command failing: the backup is stopped, nothing is recorded, the source has no backup left in progress', async () => {
  const { exitCode, output, serverLog, repository } = await urlSnapshotDrill('cmdfail', {
    snapshot: '{ command: "echo volume busy >&2; exit 7", restoreCommand: "true" }',
  });
  assert.equal(exitCode, 1);
  assert.match(
    output,
    /the snapshot failed, the backup was stopped and nothing was recorded: snapshot command exited with code 7: volume busy/,
  );
  assert.deepEqual(await readdir(join(repository, 'backups')), [], 'no backup, complete or not');
  assert.doesNotMatch(serverLog, /aborting backup due to backend exiting before pg_backup_stop was called/);
});

test('the stop segment never archived: the backup fails after archiveTimeout and is not recorded', async () => {
  const { exitCode, output, repository } = await urlSnapshotDrill('noarchive', {
    archiveCommand: 'false',
    snapshot: '{ driver: copy }',
    archiveTimeout: '5s',
  });
  assert.equal(exitCode, 1);
  assert.match(output, /could not be stopped cleanly: canceling statement due to statement timeout/);
  assert.deepEqual(existsSync(join(repository, 'backups')) ? await readdir(join(repository, 'backups')) : [], []);
});

test('prune keeps every WAL segment a kept snapshot backup needs, and the oldest kept backup still drills after pruning', async () => {
  const repository = join(ws.dir, 'repo-prune');
  const { cluster, url } = await sourceCluster(repository);
  try {
    const file = await ws.scenario(
      'prune.yaml',
      `name: prune
source: { url: "${url}" }
repository: ${repository}
backup: { method: snapshot, snapshot: { driver: copy } }
restore: { targets: [latest] }
checks: [amcheck, { sql: { query: "select count(*) from t", expect: 3000 } }]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
    );
    const client = await cluster.connect('postgres');
    const ids: string[] = [];
    try {
      await client.query('create table t (id int primary key, payload text)');
      for (let round = 0; round < 3; round++) {
        await client.query("insert into t select g, repeat('x', 500) from generate_series($1::int, $2::int) g", [
          round * 1000 + 1,
          round * 1000 + 1000,
        ]);
        await client.query('select pg_switch_wal()');
        const taken = await cli(['backup', file], { cwd: ws.dir, env: ws.env });
        assert.equal(taken.exitCode, 0, taken.stderr);
        ids.push(taken.stdout.trim());
      }
      await client.query('select pg_switch_wal()');
    } finally {
      await client.end();
    }
    const records = await Promise.all(
      ids.map(
        async (id) =>
          JSON.parse(await readFile(join(repository, 'backups', id, 'backup.json'), 'utf8')) as BackupRecord,
      ),
    );
    const walDir = join(repository, 'wal', records[0]!.physical!.systemIdentifier);
    const before = (await readdir(walDir)).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();
    assert.ok(before[0]! < records[1]!.physical!.startSegment, 'there is WAL older than the second backup to prune');
    const pruned = await cli(['prune', file, '--keep', '2'], { cwd: ws.dir, env: ws.env });
    assert.equal(pruned.exitCode, 0, pruned.stdout + pruned.stderr);
    assert.deepEqual((await readdir(join(repository, 'backups'))).sort(), ids.slice(1).sort());
    const after = (await readdir(walDir)).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();
    assert.ok(after.length < before.length, 'WAL older than the oldest kept backup was removed');
    assert.equal(
      after[0],
      records[1]!.physical!.startSegment,
      'nothing from the oldest kept start segment on was removed',
    );
    const drillFile = await ws.scenario(
      'prune-drill.yaml',
      (await readFile(file, 'utf8')).replace(
        'snapshot: { driver: copy } }',
        `snapshot: { driver: copy }, use: ${ids[1]} }`,
      ),
    );
    const run = await cli(['drill', drillFile], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-2000));
    const result = await results('prune');
    assert.equal(result.backup?.id, ids[1]);
    assert.equal(checkOf(result.restores[0]!, 'wal:continuity')?.status, 'passed');
    assert.equal(
      checkOf(result.restores[0]!, 'sql:1:select count(*) from t')?.actual,
      '3000',
      'latest replays everything after the kept backup',
    );
  } finally {
    await cluster.dispose();
  }
});

test('a standby source is refused (its stop does not wait for archiving), and allowStandby still needs archive_mode = always', async () => {
  const repository = join(ws.dir, 'repo-standby');
  const { cluster: primary, url: primaryUrl } = await sourceCluster(repository);
  const runtime = primary.runtime;
  const standby = await Cluster.adopt(runtime, await privateTempDir('standby', runtime), 'postgres', silentLogger());
  try {
    await runtime.tool('pg_basebackup', ['-d', primaryUrl, '-D', standby.dataDir, '-R', '-X', 'stream', '-c', 'fast'], {
      asClusterUser: true,
    });
    await standby.writeSettings({ hot_standby: 'on' });
    await standby.start();
    const client = await standby.connect();
    try {
      assert.equal(
        (await client.query('select pg_is_in_recovery() as r')).rows[0].r,
        true,
        'the source really is a standby',
      );
    } finally {
      await client.end();
    }
    const url = `host=${standby.socketDir} port=${standby.connection.port} user=postgres dbname=postgres`;
    for (const [name, allow, message] of [
      [
        'standby-refused',
        false,
        /the source is a standby: on a standby the backup stop does not wait for WAL archiving/,
      ],
      ['standby-archive', true, /the source is a standby with archive_mode = (on|off): its archive is not complete/],
    ] as const) {
      const file = await ws.scenario(
        `${name}.yaml`,
        `name: ${name}
source: { url: "${url}" }
repository: ${repository}
backup: { method: snapshot, snapshot: { driver: copy, allowStandby: ${allow} } }
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
      );
      const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
      assert.equal(run.exitCode, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /backup\.snapshot\.allowStandby/);
    }
    assert.deepEqual(existsSync(join(repository, 'backups')) ? await readdir(join(repository, 'backups')) : [], []);
  } finally {
    await standby.dispose();
    await primary.dispose();
  }
});
