// The checks of a restored cluster against locks they cannot get: a prepared transaction's ACCESS EXCLUSIVE lock is
// named before anything waits on it, and any other lock wait ends at the cluster's lock_timeout as an errored check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, chmod, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../../src/env/cluster.ts';
import { requireBinaries } from '../../../src/env/binaries.ts';
import { LocalRuntime } from '../../../src/env/local-runtime.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { runRestoreChecks } from '../../../src/checks/run-checks.ts';
import { emptyExpectations } from '../../../src/expectations/types.ts';
import type { CheckResult } from '../../../src/run/result.ts';
import type { CheckSpec } from '../../../src/scenario/types.ts';

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

function checks(...more: CheckSpec[]): Promise<CheckResult[]> {
  return runRestoreChecks(
    {
      cluster,
      database: 'postgres',
      expected: emptyExpectations(),
      exactness: 'exact',
      physical: true,
      jobs: 1,
      log: silentLogger(),
    },
    [{ kind: 'rowcounts' }, ...more, { kind: 'amcheck', heapallindexed: false }],
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

test('a prepared ALTER TABLE: the comparisons and amcheck are errored at once naming the gid, the table and the mode; an assertion reading it ends at lock_timeout naming the gid', async () => {
  await sql("begin; alter table u add column z int; prepare transaction 'ddl'");
  try {
    cluster.boundLockWaits('2s');
    const started = performance.now();
    const results = await checks({ kind: 'sql', name: 'u read', query: 'select count(*) from u', expect: 0 });
    assert.ok(performance.now() - started < 30_000, 'only the assertion reading u waited, for lock_timeout');
    const read = byId(results, 'sql:1:u read');
    assert.equal(read.status, 'errored');
    assert.match(
      read.message,
      /lock timeout \(the restore holds prepared transactions, .*'ddl' \(in database postgres/,
    );
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

test("corruption in an index a prepared transaction's lock keeps from the parent check still fails amcheck", async () => {
  await sql("begin; insert into t values (1000); prepare transaction 'pending'");
  const [path] = await sql("select pg_relation_filepath('t_pkey') as path", 'checkpoint');
  const file = join(cluster.dataDir, (JSON.parse(path!) as Array<{ path: string }>)[0]!.path);
  await cluster.stop('fast');
  // Block 1 is t_pkey's only leaf (the root); its second item's key becomes larger than every later one.
  const handle = await open(file, 'r+');
  try {
    const page = Buffer.alloc(8192);
    await handle.read(page, 0, 8192, 8192);
    const itemOffset = page.readUInt32LE(24 + 4) & 0x7fff;
    assert.equal(page.readInt32LE(itemOffset + 8), 2, 'the second item holds key 2');
    const key = Buffer.alloc(4);
    key.writeInt32LE(1_000_000);
    await handle.write(key, 0, 4, 8192 + itemOffset + 8);
  } finally {
    await handle.close();
  }
  await cluster.start();
  try {
    const amcheck = byId(await checks(), 'amcheck');
    assert.equal(amcheck.status, 'failed', amcheck.message);
    assert.match(amcheck.message, /^corruption found: .*t_pkey/);
    assert.match(amcheck.message, /prepared transaction 'pending'.*public\.t_pkey was checked with bt_index_check/);
  } finally {
    await sql("rollback prepared 'pending'");
  }
});
