// Least-privilege backup roles against a real PostgreSQL 15 server: each method passes with its minimal grants, and
// each missing grant exits 3 naming the statement to run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import type { Cluster } from '../../src/env/cluster.ts';
import type { RunResult } from '../../src/run/result.ts';

let ws: Workspace;
let source: Cluster;
let url: string;
let repository: string;

// Roles as a DBA would create them: each holds only what its method needs, or that less one grant.
const ROLES = `
create role lp_dump login in role pg_read_all_data;
do $$ declare lo oid; begin
  for lo in select oid from pg_largeobject_metadata loop execute format('grant select on large object %s to lp_dump', lo); end loop;
end $$;
create role lp_dump_no_lo login in role pg_read_all_data;
create role lp_nothing login;
create role lp_repl login replication;
create role lp_snap login in role pg_read_all_settings;
grant execute on function pg_backup_start(text, boolean) to lp_snap;
grant execute on function pg_backup_stop(boolean) to lp_snap;
create role lp_snap_no_stop login in role pg_read_all_settings;
grant execute on function pg_backup_start(text, boolean) to lp_snap_no_stop;
`;

before(async () => {
  ws = await workspace();
  repository = join(ws.dir, 'repo');
  ({ cluster: source, url } = await sourceCluster(repository));
  const admin = await source.connect('postgres');
  try {
    await admin.query('create database app');
  } finally {
    await admin.end();
  }
  await source.runtime.tool('psql', [
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-d',
    source.conninfo('app'),
    '-f',
    join(ws.dir, 'fixtures', 'shop.sql'),
    '-c',
    ROLES,
  ]);
});

after(async () => {
  await source?.dispose();
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

// A drill of the source as `role`, by the command line; its result when one was written.
async function drillAs(
  role: string,
  name: string,
  backup: string,
  checks: string,
): Promise<{ exitCode: number; stderr: string; stdout: string; result: RunResult | null }> {
  const as = url.replace('user=postgres', `user=${role}`).replace('dbname=postgres', 'dbname=app');
  const file = await ws.scenario(
    `${name}.yaml`,
    `name: ${name}
source: { url: "${as}" }
repository: ${repository}
backup: ${backup}
restore: { environment: local, targets: [immediate] }
checks: ${checks}
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
  );
  const run = await cli(['drill', file, '--environment', 'local'], { cwd: ws.dir, env: ws.env });
  const reports = join(ws.dir, 'reports');
  const result = existsSync(reports) ? await latestResult(reports, name).catch(() => null) : null;
  return { exitCode: run.exitCode, stderr: run.stderr, stdout: run.stdout, result };
}

const DUMP = '{ method: dump, jobs: 2 }';
const DUMP_CHECKS = '[rowcounts, fingerprints, schema, sequences, large-objects, roles]';

test('dump: pg_read_all_data plus SELECT on each large object is enough, and every comparison passes', async () => {
  const { exitCode, stderr, result } = await drillAs('lp_dump', 'lp-dump', DUMP, DUMP_CHECKS);
  assert.equal(exitCode, 0, stderr.slice(-3000));
  assert.equal(result?.verdict, 'passed');
  for (const id of ['fingerprint:shop.order_lines', 'large-objects', 'schema:definitions', 'roles']) {
    assert.equal(result.restores[0]!.checks.find((c) => c.id === id)?.status, 'passed', id);
  }
});

test('dump: a role without pg_read_all_data exits 3 naming GRANT pg_read_all_data', async () => {
  const { exitCode, stderr, stdout, result } = await drillAs('lp_nothing', 'lp-dump-nothing', DUMP, DUMP_CHECKS);
  assert.equal(exitCode, 3, stderr.slice(-3000));
  assert.match(
    stdout,
    /the backup role lp_nothing cannot read everything it must back up: (schema|table) \S+ is not readable \(the server said: permission denied for (schema|table) \S+\); grant it: GRANT pg_read_all_data TO lp_nothing/,
  );
  const backup = result?.checks.find((c) => c.id === 'backup');
  assert.equal(backup?.status, 'failed', 'no backup: the run fails, never passes');
  assert.equal(result?.error?.code, 'missing-grant');
  assert.equal(result?.error?.hint, 'run on the source, as a superuser: GRANT pg_read_all_data TO lp_nothing');
  assert.equal(result?.verdict, 'failed');
});

test('dump: pg_read_all_data without the large objects exits 3 naming the large object grant', async () => {
  const { exitCode, stderr, stdout } = await drillAs('lp_dump_no_lo', 'lp-dump-no-lo', DUMP, DUMP_CHECKS);
  assert.equal(exitCode, 3, stdout + stderr.slice(-3000));
  assert.match(
    stdout,
    /large object 91\d{4} is not readable \(pg_read_all_data does not cover large objects\).*: GRANT SELECT ON LARGE OBJECT 91\d{4} TO lp_dump_no_lo/,
  );
});

test('basebackup: a REPLICATION role (pg_hba.conf allowing replication) is enough', async () => {
  const { exitCode, stderr, result } = await drillAs('lp_repl', 'lp-basebackup', '{ method: basebackup }', '[amcheck]');
  assert.equal(exitCode, 0, stderr.slice(-3000));
  assert.equal(result?.verdict, 'passed');
  assert.equal(result.checks.find((c) => c.id === 'pg_verifybackup')?.status, 'passed');
});

test('basebackup: a role without REPLICATION exits 3 naming ALTER ROLE ... REPLICATION, before anything is copied', async () => {
  const { exitCode, stderr, stdout, result } = await drillAs(
    'lp_dump',
    'lp-basebackup-norepl',
    '{ method: basebackup }',
    '[amcheck]',
  );
  assert.equal(exitCode, 3, stderr.slice(-3000));
  assert.match(
    stdout,
    /the backup role lp_dump cannot take a basebackup: role lp_dump may not start a WAL sender; grant it: ALTER ROLE lp_dump REPLICATION/,
  );
  assert.equal(result?.checks.find((c) => c.id === 'backup')?.status, 'failed');
});

test('snapshot: EXECUTE on pg_backup_start and pg_backup_stop plus pg_read_all_settings is enough', async () => {
  const { exitCode, stderr, result } = await drillAs(
    'lp_snap',
    'lp-snapshot',
    '{ method: snapshot, snapshot: { driver: copy } }',
    '[amcheck]',
  );
  assert.equal(exitCode, 0, stderr.slice(-3000));
  assert.equal(result?.verdict, 'passed');
});

test('snapshot: each missing grant is named, all at once, and no backup is started', async () => {
  const none = await drillAs(
    'lp_repl',
    'lp-snapshot-none',
    '{ method: snapshot, snapshot: { driver: copy } }',
    '[amcheck]',
  );
  assert.equal(none.exitCode, 3, none.stderr.slice(-3000));
  assert.match(
    none.stdout,
    /the backup role lp_repl cannot take a snapshot backup .*: GRANT EXECUTE ON FUNCTION pg_backup_start\(text, boolean\) TO lp_repl; GRANT EXECUTE ON FUNCTION pg_backup_stop\(boolean\) TO lp_repl; GRANT pg_read_all_settings TO lp_repl/,
  );
  const noStop = await drillAs(
    'lp_snap_no_stop',
    'lp-snapshot-no-stop',
    '{ method: snapshot, snapshot: { driver: copy } }',
    '[amcheck]',
  );
  assert.equal(noStop.exitCode, 3, noStop.stderr.slice(-3000));
  assert.match(noStop.stdout, /grant it: GRANT EXECUTE ON FUNCTION pg_backup_stop\(boolean\) TO lp_snap_no_stop\n/);
  assert.equal(noStop.result?.error?.code, 'missing-grant');
  const admin = await source.connect('postgres');
  try {
    const { rows } = await admin.query<{ running: number }>(
      "select count(*)::int as running from pg_stat_activity where backend_type = 'client backend' and query ilike '%pg_backup_start%' and pid <> pg_backend_pid()",
    );
    assert.equal(rows[0]!.running, 0);
  } finally {
    await admin.end();
  }
});

test('basebackup: pg_hba.conf without a replication line exits 3 naming the line to add', async () => {
  const hba = join(source.dataDir, 'pg_hba.conf');
  const lines = (await readFile(hba, 'utf8'))
    .split('\n')
    .filter((line) => !/^\s*(local|host\S*)\s+replication\s/.test(line));
  await writeFile(hba, lines.join('\n'));
  const admin = await source.connect('postgres');
  try {
    await admin.query('select pg_reload_conf()');
  } finally {
    await admin.end();
  }
  const { exitCode, stderr, stdout } = await drillAs(
    'lp_repl',
    'lp-basebackup-nohba',
    '{ method: basebackup }',
    '[amcheck]',
  );
  assert.equal(exitCode, 3, stderr.slice(-3000));
  assert.match(
    stdout,
    /pg_basebackup was refused: pg_hba\.conf has no replication line for lp_repl; fix it: add a pg_hba\.conf line such as "host replication lp_repl/,
  );
});
