// A real server archiving with `archive-wal --key-file`, drilled to latest from an encrypted basebackup; WAL it
// archives in plaintext afterwards is refused by name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chown, readdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { checkIn, latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import { clusterOsUser } from '../../src/core/os-user.ts';
import { archiveCommand } from '../../src/source/archive-command.ts';
import { fileKeyId } from '../../src/repository/cipher/files.ts';
import type { Cluster } from '../../src/env/cluster.ts';

const SECRET = 'Customer17@Example.COM';
let ws: Workspace;
let source: Cluster;
let url: string;
const repository = (): string => join(ws.dir, 'repo');
const keyFile = (): string => join(ws.dir, 'repo.key');

function scenario(reports: string, use?: string): string {
  return `name: enc-url
source: { url: "${url}" }
repository: ${repository()}
encryption: { key: { file: ${keyFile()} } }
backup: { method: basebackup${use ? `, use: ${use}` : ''} }
restore: { environment: local, targets: [latest] }
checks: [{ sql: { query: "select count(*) from t where v = '${SECRET}'", expect: 2, name: secret rows } }]
report: { dir: ${reports}, formats: [json] }
`;
}

async function sql(query: string): Promise<Array<Record<string, unknown>>> {
  const client = await source.connect('postgres');
  try {
    return (await client.query(query)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

// Switch WAL and wait until the archiver has stored the segment it closed.
async function switchAndArchive(): Promise<string> {
  const segment = String((await sql('select pg_walfile_name(pg_switch_wal()) as s'))[0]!.s);
  const system = (await readdir(join(repository(), 'wal')))[0]!;
  for (let i = 0; i < 150 && !(await readdir(join(repository(), 'wal', system))).includes(segment); i++)
    await new Promise((r) => setTimeout(r, 200));
  return segment;
}

before(async () => {
  ws = await workspace();
  // The server's archiver runs as the cluster's OS user: the key file must be readable by it.
  await writeFile(keyFile(), randomBytes(32).toString('hex'), { mode: 0o600 });
  const user = clusterOsUser();
  if (user) await chown(keyFile(), user.uid, user.gid);
  ({ cluster: source, url } = await sourceCluster(repository(), { keyFile: keyFile() }));
  await sql(`create table t (v text); insert into t values ('${SECRET}')`);
});

after(async () => {
  await source?.dispose();
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary cluster or plaintext copy left behind');
  assert.deepEqual(ws.leftoverProcesses(), [], 'no server left running');
  await ws.dispose();
});

test('a url source archiving through archive-wal --key-file drills to latest with nothing in plaintext', async () => {
  const taken = await cli(['backup', await ws.scenario('backup.yaml', scenario(join(ws.dir, 'reports')))], {
    cwd: ws.dir,
    env: ws.env,
  });
  assert.equal(taken.exitCode, 0, taken.stderr);
  // A row written after the backup reaches the restore only through the encrypted WAL.
  await sql(`insert into t values ('${SECRET}')`);
  await switchAndArchive();
  const run = await cli(['drill', await ws.scenario('drill.yaml', scenario(join(ws.dir, 'reports'), 'latest'))], {
    cwd: ws.dir,
    env: ws.env,
  });
  assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-3000));
  const result = await latestResult(join(ws.dir, 'reports'), 'enc-url');
  for (const id of ['decrypt', 'wal:decrypt', 'pg_verifybackup', 'wal:continuity', 'sql:1:secret rows'])
    assert.equal(checkIn(result, id).status, 'passed', id);
  assert.throws(
    () => execFileSync('grep', ['-r', '-l', '-F', SECRET, repository()]),
    (e: { status?: number }) => e.status === 1,
    'the secret in plaintext in the repository',
  );
});

test('WAL the server later archives without the key fails wal:decrypt naming the segment, not replayed as if sound', async () => {
  const system = (await readdir(join(repository(), 'wal')))[0]!;
  // The same archive-wal, but without --key-file: from now on the server archives plaintext.
  await sql(`alter system set archive_command = '${archiveCommand(repository(), system).replace(/'/g, "''")}'`);
  await sql('select pg_reload_conf()');
  await sql(`insert into t values ('late')`);
  const added = [await switchAndArchive()];
  assert.equal(await fileKeyId(join(repository(), 'wal', system, added[0]!)), null);
  const run = await cli(
    ['drill', await ws.scenario('drill-late.yaml', scenario(join(ws.dir, 'reports-late'), 'latest'))],
    { cwd: ws.dir, env: ws.env },
  );
  assert.equal(run.exitCode, 1, run.stdout + run.stderr.slice(-3000));
  const result = await latestResult(join(ws.dir, 'reports-late'), 'enc-url');
  const check = checkIn(result, 'wal:decrypt');
  assert.equal(check.status, 'failed');
  assert.match(
    check.message,
    new RegExp(
      `^1 archived WAL file\\(s\\) do not authenticate and cannot be replayed: ${added[0]}: not an encrypted file`,
    ),
  );
});
