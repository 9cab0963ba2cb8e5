// fixtures/shop.sql + the seeded workload are reproducible: two fresh loads with the same seed hash the same,
// table by table, and a different seed does not. Runs against a throwaway PostgreSQL cluster of its own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { runWorkload, type WorkloadSummary } from '../../src/source/workload.ts';
import { ExitCode, ScenarioError } from '../../src/core/errors.ts';
import { exitCodeOf } from '../../src/cli/exit-code.ts';

const run = promisify(execFile);
const PG_BIN = process.env['RECOVERABLE_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const FIXTURE = fileURLToPath(new URL('../../fixtures/shop.sql', import.meta.url));
const SCHEMAS = ['shop', 'audit', 'reporting'];
const missingBinaries = existsSync(path.join(PG_BIN, 'initdb')) ? false : `no PostgreSQL binaries in ${PG_BIN}`;

/** A disposable cluster private to this test: loopback only, socket and data in a 0700 temp dir. */
interface ThrowawayCluster {
  port: number;
  connect(database: string): Promise<pg.Client>;
  stop(): Promise<void>;
}

// Ask the kernel for a free loopback port (the server binds it right after; a lost race is retried).
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// Server binaries refuse to run as root, so as root they run as the postgres user.
async function asServerUser(dir: string, tool: string, args: string[]): Promise<void> {
  const binary = path.join(PG_BIN, tool);
  if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', binary, ...args], { cwd: dir });
  else await run(binary, args, { cwd: dir });
}

// initdb + start; on any failure stop what started and delete the directory before rethrowing.
async function startCluster(): Promise<ThrowawayCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recoverable-fixture-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  let started = false;
  const stop = async (): Promise<void> => {
    try {
      if (started) await asServerUser(dir, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    if (process.getuid?.() === 0) {
      const { stdout: uid } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      await chown(dir, Number(uid.trim()), Number(gid.trim()));
    }
    await asServerUser(dir, 'initdb', ['-D', data, '-k', '-A', 'trust', '-U', 'postgres']);
    let port = 0;
    for (let attempt = 1; !started; attempt++) {
      port = await freePort();
      const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`;
      try {
        await asServerUser(dir, 'pg_ctl', ['-D', data, '-o', options, '-l', logFile, '-w', 'start']);
        started = true;
      } catch (error) {
        if (attempt >= 3) {
          const log = await readFile(logFile, 'utf8').catch(() => '');
          throw new Error(`pg_ctl start failed: ${log.trim().split('\n').slice(-5).join('\n')}`, { cause: error });
        }
      }
    }
    const connect = async (database: string): Promise<pg.Client> => {
      // Pin the settings that change text output, as fingerprints do.
      const options =
        '-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=3 -c bytea_output=hex';
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database, options });
      await client.connect();
      return client;
    };
    return { port, connect, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// Create a database and load the fixture into it with psql, as the managed source does.
async function loadFixture(cluster: ThrowawayCluster, database: string): Promise<void> {
  const admin = await cluster.connect('postgres');
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  await run(path.join(PG_BIN, 'psql'), [
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-h',
    '127.0.0.1',
    '-p',
    String(cluster.port),
    '-U',
    'postgres',
    '-d',
    database,
    '-f',
    FIXTURE,
  ]);
}

// Load a fresh database, run the workload on it, and return its per-table content hashes.
async function loadAndRun(
  cluster: ThrowawayCluster,
  database: string,
  seed: number,
): Promise<{ summary: WorkloadSummary; hashes: Record<string, string | null> }> {
  await loadFixture(cluster, database);
  const client = await cluster.connect(database);
  try {
    const summary = await runWorkload(client, { seed, transactions: 300 });
    return { summary, hashes: await tableHashes(client) };
  } finally {
    await client.end();
  }
}

// Order-independent hash of every row of every table, partition and materialized view in the fixture's schemas.
async function tableHashes(client: pg.Client): Promise<Record<string, string | null>> {
  const tables = await client.query<{ name: string }>(
    `SELECT c.oid::regclass::text AS name FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'm') ORDER BY 1`,
    [SCHEMAS],
  );
  const hashes: Record<string, string | null> = {};
  for (const { name } of tables.rows) {
    const result = await client.query<{ hash: string | null }>(
      `SELECT md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS hash FROM ${name} AS t`,
    );
    hashes[name] = result.rows[0]?.hash ?? null;
  }
  return hashes;
}

let cluster: ThrowawayCluster | undefined;

before(async () => {
  if (!missingBinaries) cluster = await startCluster();
});

after(async () => {
  await cluster?.stop();
});

test(
  'same seed on two fresh loads gives identical content; another seed does not',
  { skip: process.env.CI ? false : missingBinaries },
  async () => {
    assert.ok(cluster);
    const first = await loadAndRun(cluster, 'app', 42);
    const second = await loadAndRun(cluster, 'app2', 42);
    const other = await loadAndRun(cluster, 'app3', 43);

    assert.deepEqual(first.summary, second.summary);
    assert.equal(first.summary.transactions, 300);
    assert.ok(
      first.summary.inserted > 0 && first.summary.updated > 0 && first.summary.deleted > 0,
      JSON.stringify(first.summary),
    );

    const tables = Object.keys(first.hashes);
    for (const expected of [
      'shop.orders',
      'shop.orders_default',
      'shop.order_lines',
      'shop.attachments',
      'audit.events',
      'audit.scratch',
      'reporting.daily_sales',
    ]) {
      assert.ok(tables.includes(expected), `${expected} was not hashed; hashed: ${tables.join(', ')}`);
    }
    for (const [table, hash] of Object.entries(first.hashes)) assert.ok(hash, `${table} is empty`);
    assert.deepEqual(second.hashes, first.hashes);

    assert.notDeepEqual(other.hashes, first.hashes);
    assert.notEqual(other.hashes['shop.orders'], first.hashes['shop.orders']);
  },
);

test(
  "a database without the shop's tables: a scenario error (exit 2) naming the field and the fix, not an internal one",
  { skip: process.env.CI ? false : missingBinaries },
  async () => {
    assert.ok(cluster);
    const client = await cluster.connect('postgres');
    try {
      await assert.rejects(runWorkload(client, { seed: 1, transactions: 5 }), (error: unknown) => {
        assert.ok(error instanceof ScenarioError, String(error));
        assert.equal(exitCodeOf(error.category), ExitCode.usage);
        assert.match(error.message, /^source\.managed\.workload: .*relation "shop\.customers" does not exist/);
        assert.deepEqual(
          error.issues.map((i) => i.path),
          ['source.managed.workload'],
        );
        assert.match(error.hint ?? '', /fixtures\/shop\.sql first in source\.managed\.fixtures/);
        return true;
      });
    } finally {
      await client.end();
    }
  },
);
