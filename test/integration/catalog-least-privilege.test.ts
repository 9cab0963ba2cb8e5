// A dump drill as a least-privilege backup role (pg_read_all_data): what that role cannot read, pg_dump cannot dump.
// A user mapping's options are reported not available (never matching); a subscription pg_dump leaves out fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import type { Cluster } from '../../src/env/cluster.ts';

let ws: Workspace;
let source: Cluster;
let url: string;
let repository: string;

// One statement each: CREATE SUBSCRIPTION refuses a multi-statement string's implicit transaction.
const SETUP = [
  'create extension postgres_fdw',
  "create server remote foreign data wrapper postgres_fdw options (host 'remote.invalid', dbname 'app')",
  'create role catalog_app login',
  "create user mapping for catalog_app server remote options (user 'app', password 'secret')",
  `create subscription sub1 connection 'host=127.0.0.1 port=1 dbname=nowhere' publication pub_x
     with (connect = false, enabled = false, create_slot = false, slot_name = none)`,
  'create role lp_catalog login in role pg_read_all_data',
  `do $$ declare lo oid; begin
     for lo in select oid from pg_largeobject_metadata loop execute format('grant select on large object %s to lp_catalog', lo); end loop;
   end $$`,
];

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
  const app = source.conninfo('app');
  await source.runtime.tool('psql', [
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-d',
    app,
    '-f',
    join(ws.dir, 'fixtures', 'shop.sql'),
  ]);
  for (const statement of SETUP)
    await source.runtime.tool('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', app, '-c', statement]);
});

after(async () => {
  await source?.dispose();
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

test('a least-privilege dump: unreadable user-mapping options are not available, a subscription pg_dump left out fails', async () => {
  const as = url.replace('user=postgres', 'user=lp_catalog').replace('dbname=postgres', 'dbname=app');
  const file = await ws.scenario(
    'lp-catalog.yaml',
    `name: lp-catalog
source: { url: "${as}" }
repository: ${repository}
backup: { method: dump, jobs: 2 }
restore: { environment: local }
checks: [rowcounts, fingerprints, schema, sequences, large-objects, roles]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
  );
  const run = await cli(['drill', file, '--environment', 'local'], { cwd: ws.dir, env: ws.env });
  assert.ok(existsSync(join(ws.dir, 'reports')), run.stderr.slice(-3000));
  const result = await latestResult(join(ws.dir, 'reports'), 'lp-catalog');
  const checks = result.restores.flatMap((r) => r.checks);
  const options = checks.find((c) => c.id === 'schema:user-mapping-options');
  assert.ok(options, checks.map((c) => c.id).join(', '));
  assert.equal(options.status, 'skipped');
  assert.equal(options.exactness, 'not-available');
  assert.match(
    options.message,
    /options of user mapping for catalog_app server remote not compared: the backup role could not read them/,
  );
  const objects = checks.find((c) => c.id === 'schema:objects')!;
  assert.equal(objects.status, 'failed');
  assert.match(objects.message, /missing 1: subscription sub1/);
  assert.equal(result.verdict, 'failed');
  assert.equal(run.exitCode, 1);
  const definitions = checks.find((c) => c.id === 'schema:definitions')!;
  assert.equal(definitions.status, 'passed', definitions.message);
});
