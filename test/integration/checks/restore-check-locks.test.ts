// The checks of a restored cluster against locks they cannot get: a prepared transaction's ACCESS EXCLUSIVE lock is
// named before anything waits on it, and any other lock wait ends at the cluster's lock_timeout as an errored check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../../src/env/cluster.ts';
import { requireBinaries } from '../../../src/env/binaries.ts';
import { LocalRuntime } from '../../../src/env/local-runtime.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { runRestoreChecks } from '../../../src/checks/run-checks.ts';
import type { Expectations } from '../../../src/expectations/capture.ts';
import type { CheckResult } from '../../../src/run/result.ts';

let root: string;
let cluster: Cluster;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'recoverable-locks-'));
  await chmod(root, 0o755);
  process.env.RECOVERABLE_WORK_DIR = root;
  cluster = await Cluster.init(
    new LocalRuntime(requireBinaries(15, ['initdb', 'pg_ctl', 'postgres', 'pg_amcheck'])),
    { dataChecksums: false, settings: { max_prepared_transactions: '5' } },
    silentLogger(),
  );
  await cluster.start();
  await sql(
    'create table t (id int primary key)',
    'insert into t select generate_series(1, 100)',
    'create table u (id int primary key)',
  );
});
after(async () => {
  await cluster?.dispose();
  await rm(root, { recursive: true, force: true });
});

async function sql(...statements: string[]): Promise<string[]> {
  const client = await cluster.connect();
  try {
    const out: string[] = [];
    for (const statement of statements) out.push(JSON.stringify((await client.query(statement)).rows));
    return out;
  } finally {
    await client.end();
  }
}

const empty: Expectations = {
  database: '',
  serverVersion: '',
  tables: [],
  sequences: [],
  largeObjects: { count: 0, fingerprint: null },
  schemaObjects: [],
  extensions: [],
  roles: [],
};

function checks(): Promise<CheckResult[]> {
  return runRestoreChecks(
    {
      cluster,
      database: 'postgres',
      expected: empty,
      exactness: 'exact',
      physical: true,
      jobs: 1,
      log: silentLogger(),
    },
    [{ kind: 'rowcounts' }, { kind: 'amcheck', heapallindexed: false }],
  );
}

const byId = (results: CheckResult[], id: string): CheckResult => {
  const found = results.find((r) => r.id === id);
  assert.ok(found, `${id} in ${results.map((r) => r.id).join(', ')}`);
  return found;
};

test('a cluster made with init (a source) keeps lock_timeout 0; its checks bound it to 60s, in sessions and tools', async () => {
  assert.deepEqual(await sql('show lock_timeout'), ['[{"lock_timeout":"0"}]']);
  assert.match(cluster.toolEnv().PGOPTIONS!, /-c lock_timeout=0(\s|$)/);
  const results = await checks();
  assert.equal(byId(results, 'amcheck').status, 'passed', byId(results, 'amcheck').message);
  assert.equal(cluster.lockTimeout, '60s');
  assert.deepEqual(await sql('show lock_timeout'), ['[{"lock_timeout":"1min"}]']);
  assert.match(cluster.toolEnv().PGOPTIONS!, /-c lock_timeout=60s(\s|$)/);
});

test('a prepared ALTER TABLE: the comparisons and amcheck are errored at once, naming the gid, the table and the mode', async () => {
  await sql("begin; alter table u add column z int; prepare transaction 'ddl'");
  try {
    const started = performance.now();
    const results = await checks();
    assert.ok(performance.now() - started < 30_000, 'nothing waited for lock_timeout');
    const compared = byId(results, 'expectations:locked');
    assert.equal(compared.status, 'errored');
    assert.equal(compared.kind, 'rowcounts');
    assert.match(
      compared.message,
      /^rowcounts not compared: prepared transaction 'ddl' holds AccessExclusiveLock on public\.u; /,
    );
    assert.match(compared.message, /COMMIT PREPARED or ROLLBACK PREPARED on the source releases their locks/);
    const amcheck = byId(results, 'amcheck');
    assert.equal(amcheck.status, 'errored', amcheck.message);
    assert.match(amcheck.message, /public\.u \(AccessExclusiveLock, prepared transaction 'ddl'\)/);
  } finally {
    await sql("rollback prepared 'ddl'");
  }
});

test('a lock held by no prepared transaction ends at lock_timeout: errored checks naming the lock wait, no hang', async () => {
  const holder = await cluster.connect();
  try {
    await holder.query('begin; lock table t in access exclusive mode');
    cluster.boundLockWaits('1s');
    const results = await checks();
    const compared = byId(results, 'expectations:locked');
    assert.equal(compared.status, 'errored');
    assert.match(
      compared.message,
      /^rowcounts not compared: a lock was not granted within lock_timeout 1s \(.*lock timeout/,
    );
    const amcheck = byId(results, 'amcheck');
    assert.equal(amcheck.status, 'errored', amcheck.message);
    assert.match(amcheck.message, /gave up waiting for a lock \(lock_timeout 1s\) on: .*"postgres\.public\.t/);
  } finally {
    await holder.query('rollback');
    await holder.end();
  }
});
