// Drills of a source whose database and roles carry settings that would cancel, end or refuse Recoverable's own
// sessions (statement and lock timeouts, idle timeouts, read-only and serializable defaults, an empty search_path):
// dump, basebackup and snapshot drills, of a managed and of a url source, pass, and the restored database still
// carries every setting; one reset after the restore fails the comparison, naming it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import type { Cluster } from '../../src/env/cluster.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import { ident } from '../../src/expectations/session.ts';
import type { CheckResult, RunResult } from '../../src/run/result.ts';

// Enough rows that counting and hashing them takes longer than the statement timeout, and pg_dump longer than the
// idle timeouts (each of the two was seen to end a drill before its session was guarded).
const ROWS = 400_000;
const DATABASE_SETTINGS = [
  "statement_timeout = '300ms'",
  "lock_timeout = '200ms'",
  "idle_in_transaction_session_timeout = '1s'",
  "idle_session_timeout = '1s'",
  'default_transaction_read_only = on',
  'default_transaction_isolation = serializable',
  "search_path = ''",
];
// What the restored database must still carry, as pg_db_role_setting spells it.
const EXPECTED_DATABASE_SETTINGS = [
  'default_transaction_isolation=serializable',
  'default_transaction_read_only=on',
  'idle_in_transaction_session_timeout=1s',
  'idle_session_timeout=1s',
  'lock_timeout=200ms',
  'search_path=""',
  'statement_timeout=300ms',
];

// The settings as the restored cluster holds them (a url source's physical backup records no expectations to compare).
const SETTINGS_QUERY =
  "select string_agg(s, '; ' order by s) from pg_db_role_setting, unnest(setconfig) as s where setrole = 0 and setdatabase = (select oid from pg_database where datname = current_database())";
const SUPERUSER_SETTINGS_QUERY =
  "select string_agg(s, '; ' order by s) from pg_db_role_setting, unnest(setconfig) as s where setdatabase = 0 and setrole = 'postgres'::regrole";
const EXPECTED_SUPERUSER_SETTINGS =
  'default_transaction_read_only=on; idle_in_transaction_session_timeout=1s; statement_timeout=300ms';

// Settings last: psql runs each fixture file in a session of its own, which they would reach.
function guardedFixture(): string {
  return `\\set ON_ERROR_STOP on
CREATE TABLE public.wide AS SELECT g AS id, md5(g::text) || md5((g + 1)::text) AS body FROM generate_series(1, ${ROWS}) AS g;
ALTER TABLE public.wide ADD PRIMARY KEY (id);
CREATE ROLE guarded_reader LOGIN;
GRANT SELECT ON public.wide TO guarded_reader;
ALTER ROLE guarded_reader SET statement_timeout = '1s';
ALTER ROLE guarded_reader SET default_transaction_read_only = on;
-- The role every session of the restore environment runs as, and that a physical restore keeps as its superuser.
ALTER ROLE postgres SET statement_timeout = '300ms';
ALTER ROLE postgres SET idle_in_transaction_session_timeout = '1s';
ALTER ROLE postgres SET default_transaction_read_only = on;
SELECT current_database() AS db \\gset
ALTER ROLE guarded_reader IN DATABASE :"db" SET lock_timeout = '50ms';
${DATABASE_SETTINGS.map((s) => `ALTER DATABASE :"db" SET ${s};`).join('\n')}
`;
}

let ws: Workspace;
let url: Cluster | undefined;
let urlConnection = '';

before(async () => {
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
  await writeFile(join(ws.dir, 'fixtures/guarded.sql'), guardedFixture());
  const source = await sourceCluster(join(ws.dir, 'repo-url'));
  url = source.cluster;
  // A URL whose own startup options would cancel and refuse our sessions too: node-postgres takes a URL's options over
  // its config's, libpq a string's over PGOPTIONS, so the guards must join them in the string.
  const own = encodeURIComponent("-c statement_timeout=300ms -c default_transaction_read_only=on -c search_path=''");
  urlConnection = `postgresql://postgres@/postgres?host=${encodeURIComponent(url.socketDir)}&port=${url.connection.port}&options=${own}`;
  await url.runtime.tool('psql', ['-X', '-q', '-d', url.conninfo(), '-f', join(ws.dir, 'fixtures/shop.sql')]);
  await url.runtime.tool('psql', ['-X', '-q', '-d', url.conninfo(), '-f', join(ws.dir, 'fixtures/guarded.sql')]);
});

after(async () => {
  await url?.dispose();
  if (!ws) return;
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

function scenario(name: string, source: 'managed' | 'url', method: 'dump' | 'basebackup' | 'snapshot'): string {
  const from =
    source === 'managed'
      ? `managed:
    version: 15
    fixtures: [${ws.dir}/fixtures/shop.sql, ${ws.dir}/fixtures/guarded.sql]
    workload: { seed: 5, transactions: 60 }`
      : `url: "${urlConnection}"`;
  // A marker target is checked while the restore is paused in recovery, where serializable is refused.
  const targets = method !== 'dump' && source === 'managed' ? '[immediate, { marker: batch-1 }]' : '[immediate]';
  return `name: ${name}
source:
  ${from}
repository: ${ws.dir}/repo-${source}${method === 'dump' ? '-dump' : ''}
backup:
  method: ${method}
  jobs: 2${method === 'snapshot' ? '\n  snapshot: { driver: copy }' : ''}
restore:
  environment: local
  targets: ${targets}
checks:
  [rowcounts, fingerprints, schema, sequences, large-objects, roles, { amcheck: { heapallindexed: true } },
   { sql: { name: database settings, query: "${SETTINGS_QUERY}", expect: '${EXPECTED_DATABASE_SETTINGS.join('; ')}' } },
   { sql: { name: superuser settings, query: "${SUPERUSER_SETTINGS_QUERY}", expect: '${EXPECTED_SUPERUSER_SETTINGS}' } },
   { sql: { name: rows, query: "select count(*) from public.wide", expect: ${ROWS} } }]
report: { dir: ${ws.dir}/reports-${name}, formats: [json] }
`;
}

async function drill(
  name: string,
  source: 'managed' | 'url',
  method: 'dump' | 'basebackup' | 'snapshot',
): Promise<RunResult> {
  const file = await ws.scenario(`${name}.yaml`, scenario(name, source, method));
  const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
  assert.ok(
    existsSync(join(ws.dir, `reports-${name}`)),
    `no report (exit ${run.exitCode}): ${run.stderr.slice(-2000)}`,
  );
  const result = await latestResult(join(ws.dir, `reports-${name}`), name);
  const bad = result.restores.flatMap((r) => r.checks).filter((c) => c.status !== 'passed' && c.status !== 'skipped');
  assert.deepEqual(
    bad.map((c) => `${c.id}: ${c.status}: ${c.message}`),
    [],
    run.stderr.slice(-2000),
  );
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr.slice(-2000)}`);
  assert.equal(result.verdict, 'passed');
  return result;
}

// Every restore compared the settings, and found them all (the check would pass on two empty lists too).
function assertSettingsCarried(result: RunResult): void {
  for (const restore of result.restores) {
    const find = (id: string): CheckResult => {
      const found = restore.checks.find((c) => c.id === id);
      assert.ok(found, `${restore.target}: no ${id} check in ${restore.checks.map((c) => c.id).join(', ')}`);
      return found;
    };
    const settings = find('database:settings');
    assert.equal(settings.status, 'passed', settings.message);
    assert.equal(
      settings.actual,
      EXPECTED_DATABASE_SETTINGS.join('; '),
      `${restore.target}: database settings restored`,
    );
    const roleSettings = find('database:role-settings');
    assert.equal(roleSettings.status, 'passed', roleSettings.message);
    assert.equal(roleSettings.actual, 'guarded_reader: lock_timeout=50ms');
    const roles = find('roles');
    assert.equal(roles.status, 'passed', roles.message);
    assert.ok(
      restore.checks.some((c) => c.id === 'rowcount:public.wide' && c.status === 'passed' && c.actual === ROWS),
      `${restore.target}: public.wide restored whole`,
    );
    assert.equal(find('amcheck').status, 'passed');
  }
}

test('a managed source: the dump drill passes and the restored database carries the settings', async () => {
  assertSettingsCarried(await drill('guarded-managed-dump', 'managed', 'dump'));
});

test('a managed source: the basebackup drill passes, at a marker checked in recovery too, with the settings', async () => {
  const result = await drill('guarded-managed-basebackup', 'managed', 'basebackup');
  assert.equal(result.restores.length, 2);
  assertSettingsCarried(result);
});

test('a url source: the dump drill passes and the restored database carries the settings', async () => {
  assertSettingsCarried(await drill('guarded-url-dump', 'url', 'dump'));
});

test('a guarded setting lost in the restore fails, naming it: the guards hide nothing from the comparison', async () => {
  // The managed dump drill's own backup (backup.use picks only its scenario's), restored again and changed.
  const file = await ws.scenario(
    'guarded-managed-dump-lost.yaml',
    scenario('guarded-managed-dump', 'managed', 'dump').replace('  jobs: 2', '  jobs: 2\n  use: latest'),
  );
  const { result } = await runDrill(await loadScenario(file), {
    log: silentLogger(),
    clock: systemClock,
    afterRestore: async (cluster, database) => {
      const client = await cluster.connect(database);
      try {
        await client.query(`alter database ${ident(database)} reset statement_timeout`);
        await client.query('alter role postgres reset default_transaction_read_only');
      } finally {
        await client.end();
      }
    },
  });
  const checks = result.restores.flatMap((r) => r.checks);
  const settings = checks.find((c) => c.id === 'database:settings');
  assert.equal(settings?.status, 'failed');
  assert.match(settings.message, /backup .*statement_timeout=300ms.*, restored (?!.*statement_timeout)/);
  const roles = checks.find((c) => c.id === 'roles');
  assert.equal(roles?.status, 'failed');
  assert.match(roles.message, /differ from the backup: postgres \(settings\)/);
  const role = checks.find((c) => c.id === 'role:postgres');
  assert.equal(role?.status, 'failed');
  assert.equal(
    role.message,
    `role postgres: settings: backup ${EXPECTED_SUPERUSER_SETTINGS}, restored idle_in_transaction_session_timeout=1s; statement_timeout=300ms`,
  );
  assert.equal(result.verdict, 'failed');
});

// A url source's physical backup records no expectations: the sql checks read the settings back instead.
function assertSettingsReadBack(result: RunResult): void {
  for (const restore of result.restores)
    for (const name of ['database settings', 'superuser settings', 'rows'])
      assert.ok(
        restore.checks.some((c) => c.kind === 'sql' && c.id.endsWith(`:${name}`) && c.status === 'passed'),
        `${restore.target}: ${name}: ${JSON.stringify(restore.checks.filter((c) => c.kind === 'sql'))}`,
      );
}

test('a url source: the basebackup drill passes and the restored cluster carries the settings', async () => {
  assertSettingsReadBack(await drill('guarded-url-basebackup', 'url', 'basebackup'));
});

test('a managed source: the snapshot drill passes, at a marker checked in recovery too, with the settings', async () => {
  const result = await drill('guarded-managed-snapshot', 'managed', 'snapshot');
  assert.equal(result.restores.length, 2);
  assertSettingsCarried(result);
});

// pg_backup_start's checkpoint outlasts the statement timeout, and its session then waits idle while the volumes are
// copied: every session of a url source must be guarded, not only the capture's.
test('a url source: the snapshot drill passes and the restored cluster carries the settings', async () => {
  assertSettingsReadBack(await drill('guarded-url-snapshot', 'url', 'snapshot'));
});
