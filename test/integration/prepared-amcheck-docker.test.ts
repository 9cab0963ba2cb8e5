// Prepared transactions on every major the images hold: their locks are found (pg_locks names a prepared
// transaction's virtual transaction differently across majors), and amcheck, through pg_amcheck or the amcheck
// functions on 13, neither waits on them nor passes what it could not check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDockerRuntime } from '../../src/env/docker-runtime.ts';
import { Cluster } from '../../src/env/cluster.ts';
import { amcheck } from '../../src/checks/amcheck.ts';
import { preparedTransactions } from '../../src/checks/prepared-transactions.ts';
import { silentLogger } from '../../src/core/log.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';

const dockerSkip = requireDockerInCi(await dockerAvailable());
const MAJORS = [13, 17, 18] as const;
const imageSkip = new Map<number, string | false>();
for (const major of MAJORS)
  imageSkip.set(major, dockerSkip || (await requireImage(`postgres:${major}`, { requiredInCi: true })));

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'rc-2pc-'));
  await chmod(root, 0o755);
  process.env.RECOVERABLE_WORK_DIR = root;
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

for (const major of MAJORS) {
  test(
    `postgres:${major}: a prepared insert's table gets bt_index_check and passes; a prepared DDL's table is left unchecked, errored`,
    { skip: imageSkip.get(major) ?? true, timeout: 300_000 },
    async (t) => {
      const runtime = await startDockerRuntime({
        image: `postgres:${major}`,
        log: silentLogger(),
        runLabel: `test-prepared-${randomBytes(4).toString('hex')}`,
      });
      try {
        const cluster = await Cluster.init(
          runtime,
          { dataChecksums: true, settings: { max_prepared_transactions: '5' } },
          silentLogger(),
        );
        try {
          await cluster.start();
          const sql = async (statement: string) => {
            const client = await cluster.connect();
            try {
              await client.query(statement);
            } finally {
              await client.end();
            }
          };
          await sql('create table t (id int primary key); insert into t select generate_series(1, 1000)');
          await sql('create table u (id int primary key); insert into u select generate_series(1, 10)');
          await sql("begin; insert into t values (9999); prepare transaction 'pending'");
          // Recovered from its state file, as a restore brings it back.
          await cluster.stop('immediate');
          await cluster.start();
          cluster.boundLockWaits('5s');
          const listed = async () => {
            const client = await cluster.connect();
            try {
              return await preparedTransactions(client);
            } finally {
              await client.end();
            }
          };
          let prepared = await listed();
          assert.deepEqual(
            prepared.map((x) => [x.gid, x.locks.map((l) => `${l.schema}.${l.name} ${l.mode}`)]),
            [['pending', ['public.t RowExclusiveLock']]],
          );
          const passed = await amcheck(cluster, 'postgres', { heapallindexed: true, jobs: 1, prepared });
          t.diagnostic(passed.message);
          assert.equal(passed.status, 'passed', passed.message);
          assert.match(
            passed.message,
            /prepared transaction 'pending'.*public\.t_pkey was checked with bt_index_check/,
          );
          if (major < 14) assert.match(passed.message, /the 1\d\d of system catalogs with bt_index_check/);

          await sql("begin; alter table u add column z int; prepare transaction 'ddl'");
          await cluster.stop('immediate');
          await cluster.start();
          prepared = await listed();
          const started = performance.now();
          const errored = await amcheck(cluster, 'postgres', { heapallindexed: true, jobs: 1, prepared });
          t.diagnostic(`${Math.round(performance.now() - started)} ms: ${errored.message}`);
          assert.ok(performance.now() - started < 5_000, 'nothing waited for lock_timeout');
          assert.doesNotMatch(errored.message, /gave up waiting/);
          assert.equal(errored.status, 'errored', errored.message);
          assert.match(errored.message, /public\.u \(AccessExclusiveLock, prepared transaction 'ddl'\)/);
          await sql("rollback prepared 'ddl'");
          await sql("rollback prepared 'pending'");
        } finally {
          await cluster.dispose();
        }
      } finally {
        await runtime.dispose();
      }
    },
  );
}
