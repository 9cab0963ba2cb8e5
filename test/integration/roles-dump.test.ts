// Roles and the database's own properties survive a dump restore, or the drill fails naming what changed, with both sides.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../helpers/cli.ts';
import { checkIn } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { Cluster } from '../../src/env/cluster.ts';
import type { RunResult, CheckResult } from '../../src/run/result.ts';

let ws: Workspace;

// The shop plus fixtures/roles.sql: roles with memberships, settings, a password, validity, a limit; database properties.
// A drill of the stored backup runs as the scenario that took it: `use` picks only a scenario's own backups.
function scenario(name: string, use?: string, restore = ''): string {
  return `name: ${use ? 'roles-backup' : name}
source:
  managed:
    version: 15
    fixtures: [${ws.dir}/fixtures/shop.sql, ${ws.dir}/fixtures/roles.sql]
    workload: { seed: 7, transactions: 50 }
repository: ${ws.dir}/repo
backup:
  method: dump
  jobs: 2${use ? `\n  use: ${use}` : ''}
restore:
  environment: local${restore}
checks: [schema, roles]
objectives: { rto: 10m }
report: { dir: ${ws.dir}/reports, formats: [json] }
`;
}

before(async () => {
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
  const taken = await cli(['backup', await ws.scenario('backup.yaml', scenario('roles-backup'))], {
    cwd: ws.dir,
    env: ws.env,
  });
  assert.equal(taken.exitCode, 0, taken.stderr);
});

after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

const check = checkIn;

// Restore the stored backup; `alter` changes the restored cluster before the checks run (as a bad restore would).
async function drill(
  name: string,
  alter?: (cluster: Cluster, database: string) => Promise<void>,
  restore = '',
): Promise<RunResult> {
  const loaded = await loadScenario(await ws.scenario(`${name}.yaml`, scenario(name, 'latest', restore)));
  const { result } = await runDrill(loaded, {
    log: silentLogger(),
    clock: systemClock,
    ...(alter ? { afterRestore: alter } : {}),
  });
  return result;
}

// One statement against the restored cluster ($DB: the restored database).
function altered(sql: string): (cluster: Cluster, database: string) => Promise<void> {
  return async (cluster, database) => {
    const client = await cluster.connect('postgres');
    try {
      await client.query(sql.replaceAll('$DB', `"${database}"`));
    } finally {
      await client.end();
    }
  };
}

// A drill of the altered restore must fail with exactly this check failing (plus the roles summary for role checks, and `also`).
async function failsWith(
  name: string,
  sql: string,
  id: string,
  message: RegExp,
  also: string[] = [],
): Promise<CheckResult> {
  const result = await drill(name, altered(sql));
  assert.equal(result.verdict, 'failed', result.summary);
  const failed = result.restores.flatMap((r) => r.checks).filter((c) => c.status !== 'passed');
  const c = check(result, id);
  assert.equal(c.status, 'failed', c.message);
  assert.match(c.message, message);
  const allowed = new Set([id, ...also, ...(id.startsWith('role:') ? ['roles'] : [])]);
  assert.deepEqual(
    failed.filter((f) => !allowed.has(f.id)).map((f) => `${f.id}: ${f.message}`),
    [],
    'nothing else fails',
  );
  return c;
}

test('the unaltered restore passes with every role and database property the source had', async () => {
  let restoredRoles: string[] = [];
  const result = await drill('roles-clean', async (cluster) => {
    const client = await cluster.connect('postgres');
    try {
      restoredRoles = (
        await client.query<{ r: string }>("select rolname as r from pg_roles where rolname like 'app\\_%' order by 1")
      ).rows.map((r) => r.r);
    } finally {
      await client.end();
    }
  });
  assert.equal(result.verdict, 'passed', result.summary);
  assert.deepEqual(restoredRoles, ['app_login', 'app_reader', 'app_writer']);
  const roles = check(result, 'roles');
  assert.equal(roles.exactness, 'exact');
  assert.match(roles.message, /passwords/);
  assert.equal(check(result, 'database:owner').actual, 'app_writer');
  assert.equal(check(result, 'database:settings').expected, 'random_page_cost=1.5; work_mem=16MB');
  assert.match(String(check(result, 'database:privileges').expected), /app_reader=c\/app_writer/);
  assert.doesNotMatch(String(check(result, 'database:privileges').expected), /(^|; )=/, 'PUBLIC has no privilege left');
  assert.equal(check(result, 'database:comment').expected, '"the shop, restored with its own properties"');
  assert.match(String(check(result, 'database:options').expected), /connection limit 50/);
  assert.equal(check(result, 'database:role-settings').expected, 'app_reader: work_mem=4MB');
  assert.match(
    String(check(result, 'database:locale').expected),
    /^UTF8, collate C\.UTF-8, ctype C\.UTF-8, provider libc$/,
  );
  assert.deepEqual(result.restores[0]!.warnings?.filter((w) => /passwords/.test(w)) ?? [], []);
});

test('a lost ALTER DATABASE SET fails, naming the setting on both sides', async () => {
  await failsWith(
    'db-setting',
    'alter database $DB reset work_mem',
    'database:settings',
    /settings \(ALTER DATABASE \.\.\. SET\) differs: backup random_page_cost=1\.5; work_mem=16MB, restored random_page_cost=1\.5$/,
  );
});

test('a changed database owner fails, naming both owners', async () => {
  // The new owner takes over the old one's privileges and grants: PostgreSQL rewrites the ACL, so that differs too.
  const c = await failsWith(
    'db-owner',
    'alter database $DB owner to app_reader',
    'database:owner',
    /owner differs: backup app_writer, restored app_reader/,
    ['database:privileges'],
  );
  assert.equal(c.expected, 'app_writer');
  assert.equal(c.actual, 'app_reader');
});

test('a revoked CONNECT grant fails, naming the grant', async () => {
  await failsWith(
    'db-connect',
    'revoke connect on database $DB from app_login',
    'database:privileges',
    /privileges \(GRANT \.\.\. ON DATABASE\) differs: backup .*app_login=c\/app_writer.*, restored (?!.*app_login=c)/,
  );
});

test('a changed database comment fails, quoting both comments', async () => {
  await failsWith(
    'db-comment',
    "comment on database $DB is 'another comment'",
    'database:comment',
    /comment differs: backup "the shop, restored with its own properties", restored "another comment"/,
  );
});

test('a lost ALTER ROLE IN DATABASE SET fails, naming the role and setting', async () => {
  await failsWith(
    'db-role-setting',
    'alter role app_reader in database $DB reset work_mem',
    'database:role-settings',
    /differs: backup app_reader: work_mem=4MB, restored none/,
  );
});

test('a lost role membership fails, naming the role and both sides', async () => {
  await failsWith(
    'role-membership',
    'revoke app_writer from app_login',
    'role:app_login',
    /^role app_login: memberships: backup app_writer, restored none$/,
  );
});

test('a changed admin option fails, naming the membership on both sides', async () => {
  await failsWith(
    'role-admin',
    'revoke admin option for app_reader from app_writer',
    'role:app_writer',
    /memberships: backup app_reader \(admin\), restored app_reader$/,
  );
});

test('a lost role setting fails, naming the setting', async () => {
  await failsWith(
    'role-setting',
    'alter role app_writer reset work_mem',
    'role:app_writer',
    /settings: backup work_mem=8MB, restored none/,
  );
});

test('a dropped password fails, naming the role', async () => {
  await failsWith(
    'role-password',
    'alter role app_login password null',
    'role:app_login',
    /password: backup scram-sha-256 \(verifier SHA-256 [0-9a-f]{12}…\), restored none/,
  );
});

test('a changed valid-until fails, with both dates', async () => {
  await failsWith(
    'role-valid',
    "alter role app_login valid until '2040-01-01 00:00:00+00'",
    'role:app_login',
    /valid until: backup 2031-06-30 12:00:00\.000000 UTC, restored 2040-01-01 00:00:00\.000000 UTC/,
  );
});

test('a changed connection limit fails, with both limits', async () => {
  await failsWith(
    'role-limit',
    'alter role app_login connection limit 3',
    'role:app_login',
    /connection limit: backup 7, restored 3/,
  );
});

test('an extra role in the restore fails, naming it', async () => {
  const c = await failsWith(
    'role-extra',
    'create role intruder login',
    'role:intruder',
    /role: backup absent, restored present \(LOGIN\)/,
  );
  assert.equal(c.kind, 'roles');
});

test('a changed attribute (NOINHERIT lost) fails, with both attribute sets', async () => {
  await failsWith(
    'role-inherit',
    'alter role app_reader inherit',
    'role:app_reader',
    /attributes: backup NOINHERIT, restored none \(NOLOGIN, INHERIT\)/,
  );
});

test('with restore.noOwner and noPrivileges the database owner and grants are not expected back: skipped, saying why', async () => {
  const result = await drill('no-owner', undefined, '\n  noOwner: true\n  noPrivileges: true');
  assert.equal(result.verdict, 'passed', result.summary);
  const owner = check(result, 'database:owner');
  assert.equal(owner.status, 'skipped');
  assert.match(
    owner.message,
    /^not compared: the scenario sets restore\.noOwner \(pg_restore --no-owner\); database app owner differs: backup app_writer, restored postgres$/,
  );
  const grants = check(result, 'database:privileges');
  assert.equal(grants.status, 'skipped');
  assert.match(grants.message, /restore\.noPrivileges/);
  assert.equal(check(result, 'database:settings').status, 'passed', 'the rest of the properties still compare');
});
