// The globals of a dump: a non-superuser backup role cannot dump passwords (bounded, said so), and tablespaces are
// restored into the environment's own directory, never at the source's paths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { checkIn } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runDrill } from '../../src/drill/drill.ts';
import { silentLogger } from '../../src/core/log.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { Cluster } from '../../src/env/cluster.ts';
import type { RunResult } from '../../src/run/result.ts';

let ws: Workspace;

before(async () => {
  ws = await workspace();
  process.env.RECOVERABLE_WORK_DIR = ws.workDir;
});

after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

const check = checkIn;

async function drill(
  name: string,
  yaml: string,
  afterRestore?: (cluster: Cluster, database: string) => Promise<void>,
): Promise<RunResult> {
  const scenario = await loadScenario(await ws.scenario(`${name}.yaml`, yaml));
  return (
    await runDrill(scenario, { log: silentLogger(), clock: systemClock, ...(afterRestore ? { afterRestore } : {}) })
  ).result;
}

// A dump drill of a url source (the conninfo names the backup role).
function urlScenario(name: string, url: string, repository: string): string {
  return `name: ${name}
source:
  url: "${url}"
repository: ${repository}
backup: { method: dump, jobs: 2 }
restore: { environment: local }
checks: [rowcounts, fingerprints, schema, sequences, roles]
report: { dir: ${ws.dir}/reports, formats: [json] }
`;
}

async function newestGlobals(repository: string): Promise<string> {
  const backups = (await readdir(join(repository, 'backups'))).sort();
  return readFile(join(repository, 'backups', backups.at(-1)!, 'globals.sql'), 'utf8');
}

test('a dump taken by a non-superuser backup role passes with roles bounded and a warning that passwords were not dumped', async () => {
  const repository = join(ws.dir, 'repo-url');
  const { cluster, url } = await sourceCluster(repository);
  try {
    const admin = await cluster.connect('postgres');
    try {
      await admin.query('create database app');
      // One backup role reads the data through pg_read_all_data (which reads pg_authid too); the fixture adds one that
      // reads it as a member of its owner (no pg_authid).
      await admin.query('create role backup_reader login in role pg_read_all_data');
    } finally {
      await admin.end();
    }
    await cluster.runtime.tool('psql', [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-d',
      cluster.conninfo('app'),
      '-f',
      join(ws.dir, 'fixtures', 'roles.sql'),
      '-c',
      `create schema shop authorization app_writer; create table shop.items (id bigint generated always as identity primary key, name text);
       insert into shop.items (name) select 'item ' || i from generate_series(1, 300) i; alter table shop.items owner to app_writer;
       create role backup_owner login in role app_writer; grant connect on database app to backup_reader`,
    ]);
    const as = (role: string): string =>
      url.replace('user=postgres', `user=${role}`).replace('dbname=postgres', 'dbname=app');

    const owner = await drill('owner', urlScenario('owner', as('backup_owner'), repository));
    assert.equal(owner.verdict, 'passed', owner.summary);
    const roles = check(owner, 'roles');
    assert.equal(roles.status, 'passed');
    assert.equal(roles.exactness, 'bounded', 'password presence could not be compared: never claimed exact');
    assert.match(roles.message, /passwords not compared: the backup did not read them/);
    const warnings = owner.restores[0]!.warnings ?? [];
    assert.ok(
      warnings.some((w) =>
        /role passwords were not dumped: the backup role could not read pg_authid .*--no-role-passwords/.test(w),
      ),
      warnings.join('\n'),
    );
    // The globals really were taken without passwords, although app_login has one on the source.
    const globals = await newestGlobals(repository);
    assert.match(globals, /CREATE ROLE app_login;/);
    assert.doesNotMatch(globals, /PASSWORD/);
    // The rest of the roles and the database's properties still compare, and pass.
    for (const id of ['database:owner', 'database:privileges', 'database:settings', 'database:role-settings'])
      assert.equal(check(owner, id).status, 'passed', id);

    // pg_read_all_data may read pg_authid: then passwords are dumped and compared exactly, with no warning.
    const reader = await drill('reader', urlScenario('reader', as('backup_reader'), repository));
    assert.equal(reader.verdict, 'passed', reader.summary);
    assert.equal(check(reader, 'roles').exactness, 'exact');
    assert.match(check(reader, 'roles').message, /, passwords$/);
    assert.match(await newestGlobals(repository), /ALTER ROLE app_login WITH .* PASSWORD 'SCRAM-SHA-256/);
    assert.ok(!(reader.restores[0]!.warnings ?? []).some((w) => /passwords were not dumped/.test(w)));
  } finally {
    await cluster.dispose();
  }
});

test('a source whose bootstrap superuser is not postgres and whose postgres is an ordinary role restores with every role as it was', async () => {
  const repository = join(ws.dir, 'repo-bootstrap');
  const { cluster, url } = await sourceCluster(repository);
  try {
    // As a managed service has it: the bootstrap superuser is "admin", and "postgres" is a role without SUPERUSER.
    const as = async (user: string, sql: string): Promise<void> => {
      cluster.connection.user = user;
      const client = await cluster.connect('postgres');
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await as('postgres', 'create role renamer superuser login');
    await as('renamer', 'alter role postgres rename to admin');
    await as('admin', 'drop role renamer');
    await as('admin', 'create role postgres login nosuperuser createdb createrole');
    await as('admin', 'create database app owner postgres');
    cluster.connection.user = 'postgres';
    const client = await cluster.connect('app');
    try {
      await client.query(`create table items (id int primary key, name text);
        insert into items select i, 'item ' || i from generate_series(1, 200) i`);
    } finally {
      await client.end();
    }
    cluster.connection.user = 'admin';
    const source = url.replace('user=postgres', 'user=admin').replace('dbname=postgres', 'dbname=app');
    const result = await drill(
      'bootstrap',
      urlScenario('bootstrap', source, repository).replace('roles]', 'roles, amcheck]'),
    );
    assert.equal(result.verdict, 'passed', result.summary);
    for (const id of ['restore:globals', 'restore:pg_restore', 'roles', 'amcheck', 'database:owner'])
      assert.equal(check(result, id).status, 'passed', `${id}: ${check(result, id).message}`);
    assert.match(check(result, 'roles').message, /^all \d+ roles match/);
    assert.doesNotMatch(
      check(result, 'roles').message,
      /own bootstrap superuser/,
      'no role of the restore is tolerated',
    );
  } finally {
    await cluster.dispose();
  }
});

test('what pg_dump says it did not dump (a subscription, for a backup role without SUPERUSER) fails the backup naming it', async () => {
  const repository = join(ws.dir, 'repo-left-out');
  const { cluster, url } = await sourceCluster(repository);
  try {
    const admin = await cluster.connect('postgres');
    try {
      await admin.query('create database subs');
      await admin.query('create role lp_dump login in role pg_read_all_data');
    } finally {
      await admin.end();
    }
    const subs = await cluster.connect('subs');
    try {
      await subs.query('create table items (id int primary key)');
      await subs.query(`create subscription sub1 connection 'host=192.0.2.1 dbname=none' publication pub_x
        with (connect = false, enabled = false, create_slot = false, slot_name = none)`);
    } finally {
      await subs.end();
    }
    const as = (role: string): string =>
      url.replace('user=postgres', `user=${role}`).replace('dbname=postgres', 'dbname=subs');
    const limited = await drill('left-out', urlScenario('left-out', as('lp_dump'), repository));
    assert.equal(limited.verdict, 'failed', limited.summary);
    const leftOut = check(limited, 'backup:pg_dump-left-out');
    assert.equal(leftOut.status, 'failed');
    assert.match(leftOut.message, /the dump left out what the source has: pg_dump: subscriptions not dumped/);
    assert.ok(
      (limited.restores[0]!.warnings ?? []).some((w) =>
        /^when the backup was taken, pg_dump: subscriptions not dumped/.test(w),
      ),
    );
    // A superuser dumps the subscription: nothing is left out, and no such check is needed.
    const full = await drill('dumped', urlScenario('dumped', as('postgres'), repository));
    assert.equal(
      full.restores[0]!.checks.find((c) => c.id === 'backup:pg_dump-left-out'),
      undefined,
    );
    assert.ok(!(full.restores[0]!.warnings ?? []).some((w) => /not dumped/.test(w)));
  } finally {
    await cluster.dispose();
  }
});

// The managed source puts part of the shop into tablespace "archive", outside its PGDATA.
// A drill of the stored backup runs as the scenario that took it: `use` picks only a scenario's own backups.
function tablespaceScenario(name: string, use?: string): string {
  return `name: ${use ? 'tablespace' : name}
source:
  managed:
    version: 15
    fixtures: [${ws.dir}/fixtures/shop.sql, ${ws.dir}/fixtures/tablespace.sql]
    tablespaces: [archive]
    workload: { seed: 3, transactions: 50 }
repository: ${ws.dir}/repo-tablespace
backup:
  method: dump
  jobs: 2${use ? `\n  use: ${use}` : ''}
restore: { environment: local }
checks: [rowcounts, fingerprints, schema, roles, { amcheck: { heapallindexed: true } }]
report: { dir: ${ws.dir}/reports, formats: [json] }
`;
}

test('a dump of a source with a tablespace restores it into the environment, not at the source path', async () => {
  let seen: { dir: string; location: string; tablespaceOf: string; file: string } | null = null;
  const result = await drill('tablespace', tablespaceScenario('tablespace'), async (cluster, database) => {
    const client = await cluster.connect(database);
    try {
      const { rows } = await client.query<{ location: string; ts: string; file: string }>(
        `select pg_tablespace_location(t.oid) as location, t.spcname as ts, pg_relation_filepath('shop.orders_2024_01') as file
           from pg_class c join pg_tablespace t on t.oid = c.reltablespace where c.oid = 'shop.orders_2024_01'::regclass`,
      );
      seen = {
        dir: cluster.dir,
        location: rows[0]!.location,
        tablespaceOf: rows[0]!.ts,
        file: await realpath(join(cluster.dataDir, rows[0]!.file)),
      };
    } finally {
      await client.end();
    }
  });
  assert.equal(result.verdict, 'passed', result.summary);
  assert.ok(seen, 'the restored cluster was inspected');
  const { dir, location, tablespaceOf, file } = seen as {
    dir: string;
    location: string;
    tablespaceOf: string;
    file: string;
  };
  const repository = join(ws.dir, 'repo-tablespace');
  const globals = await readFile(
    join(repository, 'backups', (await readdir(join(repository, 'backups')))[0]!, 'globals.sql'),
    'utf8',
  );
  const sourceLocation = /CREATE TABLESPACE archive OWNER \S+ LOCATION '([^']+)'/.exec(globals)?.[1];
  assert.ok(sourceLocation, 'the globals name the source path');
  assert.equal(tablespaceOf, 'archive');
  assert.equal(location, join(dir, 'tablespaces', 'archive'));
  assert.notEqual(location, sourceLocation);
  assert.ok(file.startsWith(`${location}/`), `the table's file ${file} is in the restored tablespace directory`);
  const placed = check(result, 'restore:tablespaces');
  assert.equal(placed.status, 'passed');
  assert.ok(placed.message.includes(`archive: ${sourceLocation} → ${location}`), placed.message);
  const mapping = check(result, 'schema:tablespaces');
  assert.equal(mapping.status, 'passed');
  assert.match(
    mapping.message,
    /all \d+ relations outside the default tablespace are in the same tablespace \(archive\)/,
  );
  assert.deepEqual(mapping.actual, mapping.expected);
  assert.equal((mapping.expected as Record<string, string>)['table shop.orders_2024_01'], 'archive');
  assert.equal((mapping.expected as Record<string, string>)['index audit.cold_events_created_idx'], 'archive');
});

test('a relation that left its tablespace, or a tablespace outside the environment, fails naming it', async () => {
  const outside = join(ws.workDir, 'rogue-tablespace');
  const result = await drill(
    'tablespace-moved',
    tablespaceScenario('tablespace-moved', 'latest'),
    async (cluster, database) => {
      await cluster.runtime.system('mkdir', ['-m', '700', outside]);
      await cluster.runtime.adopt(outside);
      const client = await cluster.connect(database);
      try {
        await client.query('alter table shop.orders_2024_01 set tablespace pg_default');
        await client.query(`create tablespace rogue location '${outside}'`);
      } finally {
        await client.end();
      }
    },
  );
  assert.equal(result.verdict, 'failed');
  const mapping = check(result, 'schema:tablespaces');
  assert.equal(mapping.status, 'failed');
  assert.match(
    mapping.message,
    /table shop\.orders_2024_01: backup archive, restored pg_default \(the database default\)/,
  );
  const placed = check(result, 'restore:tablespaces');
  assert.equal(placed.status, 'failed');
  assert.ok(
    placed.message.includes(`tablespace rogue is at ${outside}, outside the environment's directory`),
    placed.message,
  );
});
