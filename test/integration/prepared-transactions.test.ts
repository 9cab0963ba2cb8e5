// A basebackup of a url source that holds prepared transactions (a two-phase-commit coordinator leaves them): the
// restore holds them and their locks, as a sound restore must, and no check waits on those locks unbounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { checkIn, latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import type { Cluster } from '../../src/env/cluster.ts';
import type { RunResult } from '../../src/run/result.ts';

let ws: Workspace;
let source: Cluster;
let repository: string;

before(async () => {
  ws = await workspace();
  repository = join(ws.dir, 'repo');
  source = (await sourceCluster(repository)).cluster;
  const client = await source.connect('postgres');
  try {
    await client.query('alter system set max_prepared_transactions = 5');
  } finally {
    await client.end();
  }
  await source.stop();
  await source.start();
  await sql(
    'create table t (id int primary key, v text)',
    'insert into t select g, md5(g::text) from generate_series(1, 1000) g',
    'create table u (id int primary key)',
    'insert into u select generate_series(1, 10)',
    // Left prepared, never committed: it holds RowExclusiveLock on t, which blocks bt_index_parent_check's ShareLock.
    "begin; insert into t values (9999, 'prepared, never committed'); prepare transaction 'pending'",
  );
});

after(async () => {
  await source?.dispose();
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

async function sql(...statements: string[]): Promise<void> {
  const client = await source.connect('postgres');
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

async function drill(
  name: string,
  targetChecks: string,
  more = '',
): Promise<{ exitCode: number; output: string; result: RunResult }> {
  const url = `host=${source.socketDir} port=${source.connection.port} user=postgres dbname=postgres`;
  const file = await ws.scenario(
    `${name}.yaml`,
    `name: ${name}
source: { url: "${url}" }
repository: ${repository}
backup: { method: basebackup }
restore:
  targets: [{ immediate: true, checks: ${targetChecks} }${more}]
checks: [amcheck]
report: { dir: ${ws.dir}/reports-${name}, formats: [json] }
`,
  );
  const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
  assert.ok(existsSync(join(ws.dir, `reports-${name}`)), run.stdout + run.stderr);
  return {
    exitCode: run.exitCode,
    output: run.stdout + run.stderr,
    result: await latestResult(join(ws.dir, `reports-${name}`), name),
  };
}

test(
  "a prepared transaction that inserted passes: amcheck names it and checks its table's index without --parent-check",
  { timeout: 300_000 },
  async (t) => {
    const { exitCode, output, result } = await drill(
      'prepared-insert',
      '[{ sql: { query: "select count(*) from t", expect: 1000 } }, { sql: { query: "select count(*) from pg_prepared_xacts where gid = \'pending\'", expect: 1 } }]',
      ', latest',
    );
    assert.equal(exitCode, 0, output.slice(-3000));
    assert.equal(result.verdict, 'passed');
    // Both the copy checked at its consistent point and the one replayed to the archive's end hold the transaction.
    assert.deepEqual(
      result.restores.map((r) => r.target),
      ['immediate', 'latest'],
    );
    for (const restore of result.restores) {
      const amcheck = restore.checks.find((c) => c.id === 'amcheck');
      assert.equal(amcheck?.status, 'passed', `${restore.target}: ${amcheck?.message}`);
      t.diagnostic(`${restore.target}: ${amcheck.message}`);
      assert.match(amcheck.message, /^pg_amcheck found no corruption/);
      assert.match(amcheck.message, /prepared transaction 'pending' \(in database postgres, by postgres, prepared /);
      assert.match(amcheck.message, /public\.t_pkey was checked with bt_index_check \(no --parent-check\)/);
      assert.match(amcheck.message, /lock_timeout 60s/);
    }
  },
);

test(
  'a prepared ALTER TABLE (ACCESS EXCLUSIVE) ends, errored, naming the transaction, the table and the lock',
  { timeout: 400_000 },
  async (t) => {
    await sql("begin; alter table u add column z int; prepare transaction 'ddl'");
    const started = Date.now();
    const { exitCode, output, result } = await drill(
      'prepared-ddl',
      // Reading u waits on the prepared lock: lock_timeout ends it.
      '[{ sql: { query: "select count(*) from t", expect: 1000 } }, { sql: { query: "select count(*) from u", expect: 10 } }]',
    );
    assert.ok(Date.now() - started < 300_000, 'the drill ended');
    assert.notEqual(exitCode, 0, output.slice(-3000));
    assert.equal(result.verdict, 'errored', output.slice(-3000));
    const amcheck = checkIn(result, 'amcheck');
    assert.equal(amcheck.status, 'errored', amcheck.message);
    t.diagnostic(amcheck.message);
    assert.match(
      amcheck.message,
      /not checked, held in ACCESS EXCLUSIVE mode by a prepared transaction: public\.u \(AccessExclusiveLock, prepared transaction 'ddl'\)/,
    );
    assert.match(amcheck.message, /the rest showed no corruption/);
    assert.match(amcheck.message, /'pending'.*'ddl'|'ddl'.*'pending'/);
    const readU = checkIn(result, 'sql:2:select count(*) from u');
    assert.equal(readU.status, 'errored', readU.message);
    t.diagnostic(readU.message);
    assert.match(
      readU.message,
      /canceling statement due to lock timeout \(the restore holds prepared transactions, .*'ddl'/,
    );
    const readT = checkIn(result, 'sql:1:select count(*) from t');
    assert.equal(readT.status, 'passed', readT.message);
  },
);
