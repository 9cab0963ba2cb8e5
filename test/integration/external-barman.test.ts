// Drills of a Barman backup (Debian's barman): a PostgreSQL 15 source archiving into Barman's incoming directory,
// one `barman backup` (pg_basebackup), then Recoverable restores it through `barman recover` and replays through `get-wal`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { cli } from '../helpers/cli.ts';
import { requireTool } from '../helpers/installed-tool.ts';
import { checkIn, latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import type { Cluster } from '../../src/env/cluster.ts';
import type { RunResult } from '../../src/run/result.ts';

const missingBarman = requireTool('barman', ['--version'], 'apt-get install barman');
const hasBarman = missingBarman === false;

let ws: Workspace;
let source: Cluster;
let conninfo: string;
let tool: string;
let config: string;

// Barman as root drops to barman_user: the cluster's own user here, so get-wal run by the restored server may read it too.
function barmanConfig(home: string): string {
  return `[barman]
barman_home = ${home}
barman_user = postgres
log_file = ${home}.log
log_level = INFO
[pg]
description = drill source
conninfo = ${conninfo}
streaming_conninfo = ${conninfo}
backup_method = postgres
archiver = on
streaming_archiver = off
path_prefix = /usr/lib/postgresql/15/bin
`;
}

function barman(conf: string, args: string[]): string {
  return execFileSync('barman', ['-c', conf, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

before(async () => {
  if (!hasBarman) return;
  ws = await workspace();
  tool = join(ws.dir, 'barman');
  await mkdir(tool, { recursive: true });
  config = join(tool, 'barman.conf');
  const incoming = join(tool, 'home', 'pg', 'incoming');
  // Nothing is archived before the first WAL switch, which comes after `barman check` made the incoming directory.
  source = (
    await sourceCluster(join(ws.dir, 'unused-repo'), {
      archiveCommand: `test ! -f ${incoming}/%f && cp %p ${incoming}/%f`,
    })
  ).cluster;
  const client = await source.connect('postgres');
  try {
    await client.query('alter system set track_commit_timestamp = on');
    await client.query('create table shop (id int primary key, item text not null)');
    await client.query("insert into shop select g, 'item ' || g from generate_series(1, 500) g");
    await client.query('checkpoint');
  } finally {
    await client.end();
  }
  await source.stop();
  await source.start();
  conninfo = `host=${source.socketDir} port=${source.connection.port} user=postgres dbname=postgres`;
  await writeFile(config, barmanConfig(join(tool, 'home')));
  execFileSync('chown', ['-R', 'postgres:postgres', tool]);
  // check creates the server's directories (and reports the archive as not yet working: no WAL archived yet).
  try {
    barman(config, ['check', 'pg']);
  } catch {
    // Expected before the first WAL file arrives.
  }
  barman(config, ['switch-wal', '--force', '--archive', '--archive-timeout', '60', 'pg']);
  barman(config, ['backup', '--wait', '--wait-timeout', '120', 'pg']);
});

after(async () => {
  if (!hasBarman) return;
  await source?.dispose();
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

async function drill(
  name: string,
  options: { config: string; markers: boolean; targets: string },
): Promise<{ exitCode: number; output: string; result: RunResult }> {
  const file = await ws.scenario(
    `${name}.yaml`,
    `name: ${name}
source: { url: "${conninfo}", markers: ${options.markers} }
repository: ${ws.dir}/repo
backup:
  method: external
  external:
    restoreCommand: 'barman -c ${options.config} recover pg latest "$RECOVERABLE_PGDATA"'
    restoreWal: 'barman -c ${options.config} get-wal pg %f > "%p"'
    archiveCheck: 'barman -c ${options.config} switch-wal --force --archive --archive-timeout 60 pg'
restore:
  targets: ${options.targets}
checks: [rowcounts, fingerprints, schema, amcheck]
report: { dir: ${ws.dir}/reports-${name}, formats: [json] }
`,
  );
  const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
  const output = run.stdout + run.stderr;
  assert.ok(existsSync(join(ws.dir, `reports-${name}`)), output.slice(-3000));
  return { exitCode: run.exitCode, output, result: await latestResult(join(ws.dir, `reports-${name}`), name) };
}

test(
  'a Barman backup drilled to immediate and to the first marker written into the live source passes, the marker exactly',
  { skip: missingBarman },
  async () => {
    const { exitCode, output, result } = await drill('barman', {
      config,
      markers: true,
      targets: '[immediate, { marker: marker-1 }]',
    });
    assert.equal(exitCode, 0, output.slice(-4000));
    assert.equal(result.verdict, 'passed');
    const [immediate, marker] = result.restores;
    for (const restore of [immediate!, marker!]) {
      for (const id of [
        'external:restore-command',
        'external:system-identifier',
        'external:backup-start',
        'restore:relation-files',
        'recovery:backup-label',
        'recovery:target',
      ]) {
        assert.equal(restore.checks.find((c) => c.id === id)?.status, 'passed', `${restore.target}: ${id}`);
      }
    }
    const skipped = immediate!.checks.find((c) => c.id === 'expectations');
    assert.equal(skipped?.status, 'skipped', 'no exact expectations at the end of a backup Recoverable did not take');
    assert.equal(
      skipped?.message,
      'no exact data expectations at immediate: the backup was taken by another tool, and nothing was captured at its end',
    );
    assert.match(
      marker!.checks.find((c) => c.id === 'markers')!.message,
      /\/marker-1\) present, first after it \(.*\/marker-2\) absent/,
    );
    for (const kind of ['rowcounts', 'fingerprints', 'schema']) {
      const ofKind = marker!.checks.filter((c) => c.kind === kind);
      assert.ok(
        ofKind.length > 0 && ofKind.every((c) => c.status === 'passed' && c.exactness === 'exact'),
        `${kind}: ${JSON.stringify(ofKind)}`,
      );
    }
  },
);

test(
  'a data file deleted from the Barman backup fails the drill, naming the relation whose file is missing',
  { skip: missingBarman },
  async () => {
    const home = join(tool, 'home-damaged');
    execFileSync('cp', ['-a', join(tool, 'home'), home]);
    const damagedConfig = join(tool, 'damaged.conf');
    await writeFile(damagedConfig, barmanConfig(home));
    execFileSync('chown', ['postgres:postgres', damagedConfig]);
    const client = await source.connect('postgres');
    const relation = await client
      .query<{ path: string }>("select pg_relation_filepath('shop') as path")
      .finally(() => client.end());
    const path = relation.rows[0]!.path;
    const backupId = (await readdir(join(home, 'pg', 'base')))[0]!;
    const victim = join(home, 'pg', 'base', backupId, 'data', path);
    assert.ok(existsSync(victim), victim);
    await rm(victim);
    const { exitCode, output, result } = await drill('barman-damaged', {
      config: damagedConfig,
      markers: false,
      targets: '[immediate]',
    });
    assert.equal(exitCode, 1, output.slice(-4000));
    assert.equal(result.verdict, 'failed');
    const files = checkIn(result, 'restore:relation-files');
    assert.equal(files.status, 'failed');
    assert.match(
      files.message,
      new RegExp(
        `1 relation file\\(s\\) the catalog names are missing from the restored data directory: postgres: public\\.shop \\(${path}\\)`,
      ),
    );
    assert.equal(
      checkIn(result, 'recovery:target').status,
      'passed',
      'replay itself does not notice: only the file check does',
    );
  },
);

test(
  'an archive check that fails stops the drill before any restore, quoting the tool',
  { skip: missingBarman },
  async () => {
    const file = await ws.scenario(
      'barman-unchecked.yaml',
      `name: barman-unchecked
source: { url: "${conninfo}", markers: true }
repository: ${ws.dir}/repo
backup:
  method: external
  external:
    restoreCommand: 'barman -c ${config} recover pg latest "$RECOVERABLE_PGDATA"'
    restoreWal: 'barman -c ${config} get-wal pg %f > "%p"'
    archiveCheck: 'barman -c ${config} switch-wal --archive --archive-timeout 5 nosuchserver'
report: { dir: ${ws.dir}/reports-unchecked, formats: [json] }
`,
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    const result = await latestResult(join(ws.dir, 'reports-unchecked'), 'barman-unchecked');
    assert.equal(result.verdict, 'failed');
    assert.equal(result.restores.length, 0, "nothing is restored when the markers may not be in the tool's archive");
    const backup = checkIn(result, 'backup');
    assert.equal(backup.status, 'failed');
    assert.match(backup.message, /^the external archive check exited with code \d+: .*nosuchserver/s);
  },
);
