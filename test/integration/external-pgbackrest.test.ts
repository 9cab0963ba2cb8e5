// Drills of a pgBackRest backup (Debian's pgbackrest): a PostgreSQL 15 source archiving with archive-push, one full
// backup, then Recoverable restores it through `pgbackrest restore` and replays through `archive-get`.
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

const missingPgbackrest = requireTool('pgbackrest', ['version'], 'apt-get install pgbackrest');
const hasPgbackrest = missingPgbackrest === false;

let ws: Workspace;
let source: Cluster;
let conninfo: string;
let tool: string;
let config: string;

// A pgBackRest configuration for the test's source and a repository in `repo` (nothing written outside the workspace).
function pgbackrestConfig(repo: string): string {
  return `[global]
repo1-path=${repo}
lock-path=${tool}/lock
log-path=${tool}/log
log-level-console=warn
log-level-file=off
start-fast=y
repo1-retention-full=9
job-retry=0
[main]
pg1-path=${source.dataDir}
pg1-socket-path=${source.socketDir}
pg1-port=${source.connection.port}
`;
}

function asPostgres(args: string[]): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

before(async () => {
  if (!hasPgbackrest) return;
  ws = await workspace();
  tool = join(ws.dir, 'pgbackrest');
  await mkdir(tool, { recursive: true });
  config = join(tool, 'pgbackrest.conf');
  // The archive_command names the config before it exists: nothing is archived until the first WAL switch, after stanza-create.
  source = (
    await sourceCluster(join(ws.dir, 'unused-repo'), {
      archiveCommand: `pgbackrest --config=${config} --stanza=main archive-push %p`,
    })
  ).cluster;
  // A tablespace outside PGDATA: the restore must map it under RECOVERABLE_RESTORE_DIR, never onto this location.
  const far = join(ws.dir, 'far');
  await mkdir(far);
  execFileSync('chown', ['postgres:postgres', far]);
  const client = await source.connect('postgres');
  try {
    await client.query('alter system set track_commit_timestamp = on');
    await client.query('create table shop (id int primary key, item text not null)');
    await client.query("insert into shop select g, 'item ' || g from generate_series(1, 500) g");
    await client.query(`create tablespace far location '${far}'`);
    await client.query('create table far_items (id int primary key) tablespace far');
    await client.query('insert into far_items select generate_series(1, 300)');
    await client.query('checkpoint');
  } finally {
    await client.end();
  }
  await source.stop();
  await source.start();
  conninfo = `host=${source.socketDir} port=${source.connection.port} user=postgres dbname=postgres`;
  await writeFile(config, pgbackrestConfig(join(tool, 'repo')));
  execFileSync('chown', ['-R', 'postgres:postgres', tool]);
  asPostgres(['pgbackrest', `--config=${config}`, '--stanza=main', 'stanza-create']);
  asPostgres(['pgbackrest', `--config=${config}`, '--stanza=main', 'backup', '--type=full']);
});

after(async () => {
  if (!hasPgbackrest) return;
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
    restoreCommand: 'pgbackrest --config=${options.config} --stanza=main --pg1-path="$RECOVERABLE_PGDATA" --tablespace-map-all="$RECOVERABLE_RESTORE_DIR/tablespaces" restore'
    restoreWal: 'pgbackrest --config=${options.config} --stanza=main --pg1-path="$RECOVERABLE_PGDATA" archive-get %f "%p"'
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
  'a pgBackRest backup drilled to immediate and to the first of the markers written into the live source passes, the marker exactly',
  { skip: missingPgbackrest },
  async () => {
    const { exitCode, output, result } = await drill('pgbackrest', {
      config,
      markers: true,
      targets: '[immediate, { marker: marker-1 }]',
    });
    assert.equal(exitCode, 0, output.slice(-4000));
    assert.equal(result.verdict, 'passed');
    assert.equal(result.backup?.method, 'external');
    const [immediate, marker] = result.restores;
    for (const restore of [immediate!, marker!]) {
      assert.equal(restore.checks.find((c) => c.id === 'external:restore-command')?.status, 'passed');
      assert.equal(restore.checks.find((c) => c.id === 'external:system-identifier')?.status, 'passed');
      assert.equal(restore.checks.find((c) => c.id === 'external:backup-start')?.status, 'passed');
      assert.equal(restore.checks.find((c) => c.id === 'restore:relation-files')?.status, 'passed');
      assert.match(
        restore.checks.find((c) => c.id === 'recovery:backup-label')!.message,
        /starting backup recovery with redo LSN/,
      );
      assert.ok(restore.phases.some((p) => p.name === 'external restore'));
    }
    // immediate: the backup predates the markers, so none may be there; its data has no exact expectations (never passed).
    assert.equal(immediate!.checks.find((c) => c.id === 'markers')?.status, 'passed');
    assert.equal(immediate!.checks.find((c) => c.id === 'expectations')?.status, 'skipped');
    assert.equal(
      immediate!.checks.find((c) => c.kind === 'fingerprints'),
      undefined,
      'no fingerprint comparison claimed at immediate',
    );
    // marker-1: present, marker-2 (written after it) absent, and the data exactly as captured before marker-1.
    assert.match(marker!.reached.proof, /recovery stopping after commit of transaction/);
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
    const farRows = marker!.checks.find((c) => c.id === 'rowcount:public.far_items');
    assert.equal(farRows?.status, 'passed', 'the table in the tablespace came back, mapped inside the restore');
    assert.equal(farRows?.actual, 300);
    const warnings = marker!.warnings ?? [];
    assert.ok(
      warnings.some((w) => /restore_command = 'pgbackrest/.test(w)),
      `pgBackRest's own restore_command was replaced: ${warnings.join('\n')}`,
    );
  },
);

test(
  'without markers, latest still proves recovery and the data checks are skipped with the reason, never passed',
  { skip: missingPgbackrest },
  async () => {
    const { exitCode, output, result } = await drill('pgbackrest-nomarkers', {
      config,
      markers: false,
      targets: '[latest]',
    });
    assert.equal(exitCode, 0, output.slice(-4000));
    const [latest] = result.restores;
    assert.equal(checkIn(result, 'recovery:target').status, 'passed');
    assert.equal(checkIn(result, 'markers').status, 'skipped');
    const expectations = checkIn(result, 'expectations');
    assert.equal(expectations.status, 'skipped');
    assert.match(expectations.message, /no markers were recorded/);
    assert.ok(
      !latest!.checks.some((c) => ['rowcounts', 'fingerprints', 'schema'].includes(c.kind) && c.status === 'passed'),
      'no data comparison passes without expectations',
    );
    assert.equal(checkIn(result, 'amcheck').status, 'passed');
  },
);

test(
  'a file deleted from the pgBackRest backup set fails the drill, quoting pgBackRest',
  { skip: missingPgbackrest },
  async () => {
    const damaged = join(tool, 'repo-damaged');
    execFileSync('cp', ['-a', join(tool, 'repo'), damaged]);
    const damagedConfig = join(tool, 'damaged.conf');
    await writeFile(damagedConfig, pgbackrestConfig(damaged));
    execFileSync('chown', ['postgres:postgres', damagedConfig]);
    // The shop table's heap file in the one full backup.
    const client = await source.connect('postgres');
    const relation = await client
      .query<{ path: string }>("select pg_relation_filepath('shop') as path")
      .finally(() => client.end());
    const set = (await readdir(join(damaged, 'backup', 'main'))).find((n) => /F$/.test(n))!;
    const victim = join(damaged, 'backup', 'main', set, 'pg_data', `${relation.rows[0]!.path}.gz`);
    assert.ok(existsSync(victim), victim);
    await rm(victim);
    const { exitCode, output, result } = await drill('pgbackrest-damaged', {
      config: damagedConfig,
      markers: false,
      targets: '[immediate]',
    });
    assert.equal(exitCode, 1, output.slice(-4000));
    assert.equal(result.verdict, 'failed');
    const restore = checkIn(result, 'external:restore-command');
    assert.equal(restore.status, 'failed');
    assert.match(
      restore.message,
      /the external restore command exited with code \d+: .*(missing|unable to open).*\.gz/s,
    );
    assert.equal(checkIn(result, 'recovery:target').status, 'failed');
  },
);

test(
  'recoverable backup refuses method external (exit 2): the tool takes the backup, drill restores it',
  { skip: missingPgbackrest },
  async () => {
    const file = await ws.scenario(
      'backup-external.yaml',
      `name: backup-external
source: { url: "${conninfo}" }
repository: ${ws.dir}/repo
backup: { method: external, external: { restoreCommand: 'pgbackrest --config=${config} --stanza=main --pg1-path="$RECOVERABLE_PGDATA" restore', restoreWal: 'pgbackrest --config=${config} --stanza=main archive-get %f "%p"' } }
`,
    );
    const run = await cli(['backup', file], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 2, run.stderr);
    assert.match(run.stderr, /recoverable backup does not take external backups/);
    assert.match(run.stderr, /run recoverable drill .*backup-external\.yaml/);
  },
);
