// `doctor <scenario>` connects to a url source and tells, per backup method, what its role lacks as the SQL to run;
// it exits 3 when the scenario's own method cannot run, 0 once the grant is there, and says when the server is down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import type { Cluster } from '../../src/env/cluster.ts';

let ws: Workspace;
let source: Cluster;

before(async () => {
  ws = await workspace();
  source = (await sourceCluster(join(ws.dir, 'repo'))).cluster;
  const client = await source.connect('postgres');
  try {
    await client.query(`create role doc_reader login;
      create table public.orders (id int primary key, owner text);
      create table public.cards (id int primary key, holder text);
      alter table public.cards enable row level security;
      select lo_from_bytea(0, 'scan'::bytea);`);
  } finally {
    await client.end();
  }
});

after(async () => {
  await source?.dispose();
  await ws.dispose();
});

const url = (role: string): string =>
  `postgresql://${role}@/postgres?host=${encodeURIComponent(source.socketDir)}&port=${source.connection.port}`;

async function doctor(
  name: string,
  role: string,
  method: string,
  json = false,
): Promise<{ exitCode: number; out: string }> {
  const file = await ws.scenario(
    `${name}.yaml`,
    `name: ${name}\nsource: { url: "${url(role)}" }\nrepository: ${ws.dir}/repo\nbackup: { method: ${method} }\n`,
  );
  const run = await cli(['doctor', file, ...(json ? ['--json'] : [])], { cwd: ws.dir, env: ws.env });
  return { exitCode: run.exitCode, out: run.stdout + run.stderr };
}

test('a superuser source is ready for every method: server facts, backup tools, OS user, work directory and disk are reported', async () => {
  const { exitCode, out } = await doctor('super', 'postgres', 'basebackup');
  assert.equal(exitCode, 0, out);
  assert.match(
    out,
    /scenario super: source: PostgreSQL 15\.\d+[^,]*, database postgres, role postgres \(superuser\); wal_level replica, archive_mode on, archive_command '.*archive-wal/,
  );
  for (const method of ['dump', 'basebackup \\(this scenario\\)', 'snapshot'])
    assert.match(out, new RegExp(`privileges: ${method}: ready`));
  assert.match(out, /backup tools: pg_basebackup 15\.\d+ from \S+/);
  assert.match(out, /os user: /);
  assert.match(out, /work directory: .* is writable/);
  assert.match(out, /disk: .* free for the repository .*; the database \(no backup yet\) is /);
});

test('a role without read access fails a dump preflight (exit 3) naming the relations, the row-level security, the large object and each grant', async () => {
  const { exitCode, out } = await doctor('reader', 'doc_reader', 'dump');
  assert.equal(exitCode, 3, out);
  assert.match(
    out,
    /dump \(this scenario\): not ready: GRANT pg_read_all_data TO doc_reader; ALTER ROLE doc_reader BYPASSRLS; GRANT SELECT ON LARGE OBJECT <oid> TO doc_reader/,
  );
  assert.match(out, /2 relation\(s\) not readable: public\.cards, public\.orders/);
  assert.match(out, /row-level security on public\.cards/);
  assert.match(out, /1 large object\(s\) not readable/);
  assert.match(out, /fix: run on the source, as a superuser: GRANT pg_read_all_data TO doc_reader/);
  // Other methods are shown, not judged: their grants are listed without failing this dump scenario twice.
  assert.match(out, /basebackup: not ready: ALTER ROLE doc_reader REPLICATION/);
  assert.match(out, /snapshot: not ready: GRANT EXECUTE ON FUNCTION pg_backup_start\(text, boolean\) TO doc_reader/);
});

test('with the grants named, the same dump preflight passes; --json carries every finding and the exit code', async () => {
  const client = await source.connect('postgres');
  try {
    await client.query('grant pg_read_all_data to doc_reader; alter role doc_reader bypassrls');
    const { rows } = await client.query<{ oid: string }>('select oid::text from pg_largeobject_metadata');
    for (const row of rows) await client.query(`grant select on large object ${row.oid} to doc_reader`);
  } finally {
    await client.end();
  }
  const { exitCode, out } = await doctor('reader-granted', 'doc_reader', 'dump', true);
  assert.equal(exitCode, 0, out);
  const report = JSON.parse(out) as {
    ok: boolean;
    exitCode: number;
    findings: Array<{ section: string; ok: boolean; text: string; fix?: string }>;
  };
  assert.equal(report.ok, true);
  assert.ok(
    report.findings.some(
      (f) => f.section === 'scenario reader-granted' && f.text === 'privileges: dump (this scenario): ready',
    ),
    JSON.stringify(report.findings),
  );
  assert.ok(
    report.findings.some(
      (f) => /^privileges: basebackup: not ready: ALTER ROLE doc_reader REPLICATION/.test(f.text) && f.ok,
    ),
    'shown, not judged',
  );
});

test('a basebackup scenario with a role lacking REPLICATION exits 3 naming it; a server that is down is said so, exit 3', async () => {
  const { exitCode, out } = await doctor('physical-reader', 'doc_reader', 'basebackup');
  assert.equal(exitCode, 3, out);
  assert.match(out, /fix: run on the source, as a superuser: ALTER ROLE doc_reader REPLICATION/);
  const down = await cli(
    [
      'doctor',
      await ws.scenario(
        'down.yaml',
        `name: down\nsource: { url: "postgresql://postgres@127.0.0.1:1/postgres" }\nrepository: ${ws.dir}/repo\nbackup: { method: dump }\n`,
      ),
    ],
    { cwd: ws.dir, env: ws.env },
  );
  assert.equal(down.exitCode, 3, down.stdout + down.stderr);
  assert.match(
    down.stdout,
    /scenario down: source: cannot connect to the source postgresql:\/\/postgres@127\.0\.0\.1:1\/postgres/,
  );
  assert.match(down.stdout, /fix: check the URL, that the server is up/);
});
