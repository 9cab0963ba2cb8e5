// Settings a database or role carries (ALTER DATABASE/ROLE ... SET) against Recoverable's own sessions: each bites a
// plain session, and none bites a session from Cluster.connect, a session after pinSession, or a tool run with
// Cluster.toolEnv or pinnedToolEnv; the settings themselves stay in the catalog.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { Cluster } from '../../src/env/cluster.ts';
import { requireBinaries } from '../../src/env/binaries.ts';
import { LocalRuntime } from '../../src/env/local-runtime.ts';
import { silentLogger } from '../../src/core/log.ts';
import { pgClient } from '../../src/core/pg-client.ts';
import { ToolError } from '../../src/core/errors.ts';
import { guardOptions, pinSession, pinnedToolEnv } from '../../src/expectations/session.ts';

const DATABASE = 'guarded';
// What a DBA puts on a database and on a role; each would cancel, end or refuse one of Recoverable's sessions.
const DATABASE_SETTINGS = {
  statement_timeout: '300ms',
  idle_in_transaction_session_timeout: '1s',
  idle_session_timeout: '1s',
  default_transaction_read_only: 'on',
  default_transaction_isolation: 'serializable',
};
const ROLE_SETTINGS = { lock_timeout: '100ms' };

let root: string;
let cluster: Cluster;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'recoverable-guards-'));
  await chmod(root, 0o755);
  process.env.RECOVERABLE_WORK_DIR = root;
  cluster = await Cluster.init(
    new LocalRuntime(requireBinaries(15, ['initdb', 'pg_ctl', 'postgres', 'psql'])),
    { dataChecksums: false },
    silentLogger(),
  );
  await cluster.start();
  const admin = await cluster.connect();
  try {
    await admin.query(`create database ${DATABASE}`);
    const owner = await cluster.connect(DATABASE);
    await owner
      .query(
        `create table locked (id int);
         create role policed login;
         create table cards (id int, holder name);
         insert into cards select g, 'someone' from generate_series(1, 5) g;
         alter table cards enable row level security;
         create policy own_cards on cards using (holder = current_user);
         grant select on cards to policed`,
      )
      .finally(() => owner.end());
    for (const [name, value] of Object.entries(DATABASE_SETTINGS))
      await admin.query(`alter database ${DATABASE} set ${name} = '${value}'`);
    for (const [name, value] of Object.entries(ROLE_SETTINGS))
      await admin.query(`alter role postgres in database ${DATABASE} set ${name} = '${value}'`);
  } finally {
    await admin.end();
  }
});

after(async () => {
  await cluster?.dispose();
  await rm(root, { recursive: true, force: true });
});

// A session as any client would open it: no startup options.
async function plainSession(): Promise<pg.Client> {
  const { options: _guards, ...config } = cluster.clientConfig(DATABASE);
  const client = pgClient(config);
  await client.connect();
  return client;
}

// A table lock held by another session, for lock_timeout to meet.
async function withLockHeld<T>(body: () => Promise<T>): Promise<T> {
  const holder = await cluster.connect(DATABASE);
  try {
    await holder.query('begin');
    await holder.query('lock table locked in share mode');
    return await body();
  } finally {
    await holder.end();
  }
}

// Every way a setting breaks a session, tried on `client`; returns what went wrong, in order.
async function breakages(client: pg.Client, afterBegin?: (client: pg.Client) => Promise<void>): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, body: () => Promise<unknown>): Promise<void> => {
    try {
      await body();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
      await client.query('rollback').catch(() => undefined);
    }
  };
  await attempt('isolation', async () => {
    const { rows } = await client.query<{ i: string }>("select current_setting('transaction_isolation') as i");
    if (rows[0]!.i !== 'read committed') throw new Error(`transaction_isolation is ${rows[0]!.i}`);
  });
  await attempt('write', async () => {
    await client.query('create temporary table scratch (id int)');
    await client.query('create table written (id int)');
    await client.query('drop table written');
  });
  await attempt('long statement', () => client.query('select pg_sleep(0.6)'));
  await attempt('lock wait', async () => {
    await client.query('begin');
    let waiting: Promise<unknown> = Promise.resolve();
    await withLockHeld(async () => {
      waiting = client.query('lock table locked in exclusive mode');
      waiting.catch(() => undefined);
      await sleep(400);
    });
    await waiting;
    await client.query('commit');
  });
  await attempt('idle in transaction', async () => {
    await client.query('begin');
    if (afterBegin) await afterBegin(client);
    await sleep(1300);
    await client.query('select 1');
    await client.query('commit');
  });
  await attempt('idle session', async () => {
    await sleep(1300);
    await client.query('select 1');
  });
  return problems;
}

test('a plain session meets every setting: the breakages are real', async () => {
  const client = await plainSession();
  try {
    const problems = await breakages(client);
    assert.match(problems.join('\n'), /^isolation: transaction_isolation is serializable$/m);
    assert.match(problems.join('\n'), /^write: cannot execute CREATE TABLE in a read-only transaction$/m);
    assert.match(problems.join('\n'), /^long statement: canceling statement due to statement timeout$/m);
    assert.match(problems.join('\n'), /^idle in transaction: /m);
  } finally {
    await client.end().catch(() => undefined);
  }
  // lock_timeout and idle_session_timeout end up killing or cancelling too: shown on fresh sessions.
  const locked = await plainSession();
  try {
    await locked.query('begin');
    await assert.rejects(
      withLockHeld(() => locked.query('lock table locked in exclusive mode')),
      /canceling statement due to lock timeout/,
    );
  } finally {
    await locked.end().catch(() => undefined);
  }
  const idle = await plainSession();
  try {
    await sleep(1300);
    await assert.rejects(idle.query('select 1'));
  } finally {
    await idle.end().catch(() => undefined);
  }
});

test('a session from Cluster.connect meets none of them', async () => {
  const client = await cluster.connect(DATABASE);
  try {
    assert.deepEqual(await breakages(client), []);
  } finally {
    await client.end();
  }
});

test('a plain session after pinSession meets none of them, even pinned inside its transaction', async () => {
  const client = await plainSession();
  try {
    await pinSession(client);
    assert.deepEqual(await breakages(client, pinSession), []);
  } finally {
    await client.end();
  }
});

// psql as Recoverable runs tools on a restored cluster: the statements a restore and amcheck issue.
async function psql(env: Record<string, string>): Promise<string> {
  try {
    const script =
      'select pg_sleep(0.6); create table by_tool (id int); drop table by_tool; show default_transaction_isolation;';
    return (await cluster.runtime.tool('psql', ['-X', '-At', '-d', DATABASE, '-c', script], { env })).stdout;
  } catch (error) {
    if (error instanceof ToolError) return `failed: ${error.stderr}`;
    throw error;
  }
}

test('tools run with Cluster.toolEnv or pinnedToolEnv meet none of them; without, they do', async () => {
  const { PGOPTIONS: _guards, ...unguarded } = cluster.toolEnv();
  assert.match(await psql(unguarded), /failed: .*canceling statement due to statement timeout/);
  assert.match(await psql(cluster.toolEnv()), /read committed/);
  assert.match(await psql({ ...unguarded, ...pinnedToolEnv(cluster.runtime.major) }), /read committed/);
  // Without a major, the guards every supported server knows: the ones that break this restore are among them.
  assert.match(await psql({ ...unguarded, ...pinnedToolEnv() }), /read committed/);
});

test('the settings themselves stay on the database and the role', async () => {
  const client = await cluster.connect();
  try {
    const { rows } = await client.query<{ role: string | null; setting: string }>(
      `select r.rolname as role, unnest(s.setconfig) as setting from pg_db_role_setting s
         join pg_database d on d.oid = s.setdatabase left join pg_roles r on r.oid = s.setrole
        where d.datname = $1 order by 1, 2`,
      [DATABASE],
    );
    assert.deepEqual(rows.map((r) => `${r.role ?? '*'} ${r.setting}`).sort(), [
      '* default_transaction_isolation=serializable',
      '* default_transaction_read_only=on',
      '* idle_in_transaction_session_timeout=1s',
      '* idle_session_timeout=1s',
      '* statement_timeout=300ms',
      'postgres lock_timeout=100ms',
    ]);
  } finally {
    await client.end();
  }
});

test('a guard the server does not know refuses the connection: the options follow the major', async () => {
  const { options: _guards, ...config } = cluster.clientConfig(DATABASE);
  const newer = pgClient({ ...config, options: guardOptions(17) });
  await assert.rejects(newer.connect(), /unrecognized configuration parameter "transaction_timeout"/);
  await newer.end().catch(() => undefined);
  const own = pgClient({ ...config, options: guardOptions(15) });
  await own.connect();
  await own.end();
});

test('a role under a row-level security policy is refused the table, not shown part of it', async () => {
  const { options: _guards, ...config } = cluster.clientConfig(DATABASE);
  const plain = pgClient({ ...config, user: 'policed' });
  await plain.connect();
  try {
    const { rows } = await plain.query<{ n: number }>('select count(*)::int as n from cards');
    assert.equal(rows[0]!.n, 0, 'unguarded, the policy hides every row without a word');
    await pinSession(plain);
    await assert.rejects(
      plain.query('select count(*) from cards'),
      /query would be affected by row-level security policy for table "cards"/,
    );
  } finally {
    await plain.end();
  }
  const owner = await cluster.connect(DATABASE);
  try {
    const { rows } = await owner.query<{ n: number }>('select count(*)::int as n from cards');
    assert.equal(rows[0]!.n, 5, 'the superuser reads every row');
  } finally {
    await owner.end();
  }
});
