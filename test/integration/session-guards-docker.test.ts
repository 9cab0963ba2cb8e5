// The session guards on every major the images hold: each server takes the startup options its major knows (13 has
// no idle_session_timeout, only 17+ has transaction_timeout), transaction_timeout is disarmed both at startup and by
// pinSession inside a running transaction, and amcheck (pg_amcheck, or the amcheck functions on 13) checks a database
// set read-only with short timeouts and an empty search_path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { startDockerRuntime } from '../../src/env/docker-runtime.ts';
import { Cluster } from '../../src/env/cluster.ts';
import { amcheck } from '../../src/checks/amcheck.ts';
import { silentLogger } from '../../src/core/log.ts';
import { pgClient } from '../../src/core/pg-client.ts';
import { pinSession } from '../../src/expectations/session.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';

const dockerSkip = requireDockerInCi(await dockerAvailable());
const MAJORS = [13, 17, 18] as const;
const imageSkip = new Map<number, string | false>();
for (const major of MAJORS)
  imageSkip.set(major, dockerSkip || (await requireImage(`postgres:${major}`, { requiredInCi: true })));

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'recoverable-guards-docker-'));
  await chmod(root, 0o755);
  process.env.RECOVERABLE_WORK_DIR = root;
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const DATABASE = 'guarded';

// What a DBA may set on a database of this major: every timeout it knows short, writes refused, no search path.
function settingsFor(major: number): string[] {
  const settings = [
    "statement_timeout = '300ms'",
    "idle_in_transaction_session_timeout = '1s'",
    'default_transaction_read_only = on',
    'default_transaction_isolation = serializable',
    // Hardened so no schema is searched but pg_catalog: nothing to create an extension in without naming a schema.
    "search_path = ''",
  ];
  if (major >= 14) settings.push("idle_session_timeout = '1s'");
  if (major >= 17) settings.push("transaction_timeout = '500ms'");
  return settings;
}

// A transaction longer than transaction_timeout, whose statements each stay under statement_timeout.
async function longTransaction(client: pg.Client, afterBegin?: (client: pg.Client) => Promise<void>): Promise<void> {
  await client.query('begin');
  if (afterBegin) await afterBegin(client);
  for (let i = 0; i < 4; i++) await client.query('select pg_sleep(0.2)');
  await client.query('commit');
}

for (const major of MAJORS) {
  test(
    `postgres:${major}: guarded sessions and amcheck work in a database set read-only, with short timeouts and no search path`,
    { skip: imageSkip.get(major) ?? true },
    async () => {
      const runtime = await startDockerRuntime({
        image: `postgres:${major}`,
        log: silentLogger(),
        runLabel: `test-guards-${randomBytes(4).toString('hex')}`,
      });
      try {
        const cluster = await Cluster.init(runtime, { dataChecksums: true }, silentLogger());
        try {
          await cluster.start();
          const admin = await cluster.connect();
          try {
            await admin.query(`create database ${DATABASE}`);
            const owner = await cluster.connect(DATABASE);
            await owner
              .query('create table t (id int primary key); insert into t select generate_series(1, 1000)')
              .finally(() => owner.end());
            for (const setting of settingsFor(major)) await admin.query(`alter database ${DATABASE} set ${setting}`);
          } finally {
            await admin.end();
          }

          // The startup options this major knows are accepted, and they win over the database's settings.
          const guarded = await cluster.connect(DATABASE);
          try {
            await longTransaction(guarded);
            await guarded.query('create temporary table scratch (id int)');
            await sleep(1200);
            await guarded.query('select 1');
          } finally {
            await guarded.end();
          }

          if (major >= 17) {
            // Unguarded, the transaction is ended: the setting is real.
            const { options: _guards, ...config } = cluster.clientConfig(DATABASE);
            const plain = pgClient(config);
            await plain.connect();
            await assert.rejects(longTransaction(plain), /transaction timeout|connection error|terminat/i);
            await plain.end().catch(() => undefined);
            // pinSession inside an open transaction disarms the timer already running.
            const pinned = pgClient(config);
            await pinned.connect();
            try {
              await longTransaction(pinned, pinSession);
            } finally {
              await pinned.end();
            }
          }

          const result = await amcheck(cluster, DATABASE, { heapallindexed: true, jobs: 1 });
          assert.equal(result.status, 'passed', result.message);
          assert.match(
            result.message,
            major >= 14 ? /^pg_amcheck found no corruption/ : /^[1-9]\d* btree indexes verified/,
          );
        } finally {
          await cluster.dispose();
        }
      } finally {
        await runtime.dispose();
      }
    },
  );
}
