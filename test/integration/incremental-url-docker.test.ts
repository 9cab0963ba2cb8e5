// Incremental backups of a url source (a real server Recoverable does not manage): each `recoverable backup` builds on
// the previous basebackup of that server in the repository; without summarize_wal the backup stops (exit 3) naming it;
// a server older than 17 is refused (exit 2) naming its major.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';
import { startDockerRuntime, type DockerRuntime } from '../../src/env/docker-runtime.ts';
import { Cluster } from '../../src/env/cluster.ts';
import { systemIdentifier } from '../../src/source/managed.ts';
import { containerArchiveCommand, prepareArchiveDir } from '../../src/source/archive-command.ts';
import { confValue } from '../../src/restore/recovery-config.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { BackupRecord } from '../../src/repository/backup-record.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const skip = unavailable || (await requireImage('postgres:17', { requiredInCi: true }));

let ws: Workspace;
let runtime: DockerRuntime | undefined;
let server: Cluster | undefined;
let repository: string;

before(async () => {
  ws = await workspace();
  repository = join(ws.dir, 'repo');
  if (skip) return;
  // PostgreSQL 17 in a container on the host's network, archiving into the repository, summarize_wal still off.
  runtime = await startDockerRuntime({
    image: 'postgres:17',
    log: silentLogger(),
    network: 'host',
    mounts: [{ path: ws.dir, readOnly: false }],
  });
  server = await Cluster.init(runtime, { dataChecksums: true }, silentLogger());
  const system = await systemIdentifier(server);
  await prepareArchiveDir(repository, system, runtime);
  await server.writeSettings({
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: confValue(containerArchiveCommand(repository, system)),
  });
  await server.start();
  await sql(
    "create table orders (id int primary key, note text); insert into orders select g, 'order ' || g from generate_series(1, 3000) g",
  );
});

after(async () => {
  await server?.dispose();
  await runtime?.dispose();
  await ws?.dispose();
});

async function sql(text: string): Promise<void> {
  const client = await server!.connect('postgres');
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function scenario(name: string, url: string, backup: string, checks = '[amcheck]'): Promise<string> {
  return ws.scenario(
    `${name}.yaml`,
    `name: url-incremental
source: { url: "${url}" }
repository: ${repository}
backup: ${backup}
restore: { environment: docker, targets: [immediate] }
checks: ${checks}
report: { dir: ${ws.dir}/reports-${name}, formats: [json] }
`,
  );
}

const serverUrl = (): string =>
  `postgresql://postgres:\${SOURCE_PASSWORD}@127.0.0.1:${server!.connection.port}/postgres`;
const env = (): Record<string, string> => ({
  ...ws.env,
  SOURCE_PASSWORD: encodeURIComponent(server!.connection.password),
});
const backups = async (): Promise<string[]> =>
  existsSync(join(repository, 'backups'))
    ? (await readdir(join(repository, 'backups'))).filter((n) => !n.startsWith('.')).sort()
    : [];
const record = async (id: string): Promise<BackupRecord> =>
  JSON.parse(await readFile(join(repository, 'backups', id, 'backup.json'), 'utf8')) as BackupRecord;

test(
  'a url source with summarize_wal off is refused (exit 3) naming the setting; then two backups form a chain that restores through pg_combinebackup',
  { skip },
  async () => {
    const file = await scenario(
      'chain',
      serverUrl(),
      '{ method: basebackup, incremental: true }',
      '[amcheck, { sql: { query: "select count(*) from orders", expect: 4000 } }]',
    );
    const doctor = await cli(['doctor', file], { cwd: ws.dir, env: env() });
    assert.equal(doctor.exitCode, 3, doctor.stdout + doctor.stderr.slice(-2000));
    assert.match(
      doctor.stdout,
      /incremental: summarize_wal is off: incremental backups are taken from WAL summaries\n {2}fix: run on the source, as a superuser: ALTER SYSTEM SET summarize_wal = on; SELECT pg_reload_conf\(\)/,
    );
    const off = await cli(['backup', file], { cwd: ws.dir, env: env() });
    assert.equal(off.exitCode, 3, off.stdout + off.stderr.slice(-2000));
    assert.match(off.stderr, /has summarize_wal off: PostgreSQL takes incremental backups only from WAL summaries/);
    assert.match(off.stderr, /ALTER SYSTEM SET summarize_wal = on/);
    assert.deepEqual(await backups(), [], 'nothing is left in the repository');

    await sql('alter system set summarize_wal = on');
    await sql('select pg_reload_conf()');
    const first = await cli(['backup', file], { cwd: ws.dir, env: env() });
    assert.equal(first.exitCode, 0, first.stderr.slice(-2000));
    assert.match(
      first.stderr,
      /no earlier basebackup of this source .* taking a full backup to start the incremental chain/,
    );
    await sql("insert into orders select g, 'order ' || g from generate_series(3001, 4000) g");
    const second = await cli(['backup', file], { cwd: ws.dir, env: env() });
    assert.equal(second.exitCode, 0, second.stderr.slice(-2000));
    const [fullId, incrementalId] = [first.stdout.trim(), second.stdout.trim()];
    assert.equal((await record(fullId)).physical!.incremental, undefined);
    assert.deepEqual(
      (await record(incrementalId)).physical!.incremental?.chain,
      [fullId],
      'built on the previous backup of this server',
    );
    assert.match(second.stderr, new RegExp(`taking an incremental backup on top of ${fullId}`));

    // The latest backup, combined with its full one, holds the rows written between them.
    const drill = await cli(
      [
        'drill',
        await scenario(
          'drill',
          serverUrl(),
          '{ method: basebackup, incremental: true, use: latest }',
          '[amcheck, { sql: { query: "select count(*) from orders", expect: 4000 } }]',
        ),
      ],
      { cwd: ws.dir, env: env() },
    );
    assert.equal(drill.exitCode, 0, drill.stdout + drill.stderr.slice(-3000));
    const result = await latestResult(join(ws.dir, 'reports-drill'), 'url-incremental');
    assert.deepEqual(result.backup?.chain, [fullId]);
    const checks = [...result.checks, ...result.restores.flatMap((r) => r.checks)];
    for (const id of ['backup:chain', 'backup:combine', `pg_verifybackup:${fullId}`, 'pg_verifybackup', 'amcheck']) {
      assert.equal(
        checks.find((c) => c.id === id)?.status,
        'passed',
        `${id}: ${JSON.stringify(checks.map((c) => [c.id, c.status]))}`,
      );
    }
    assert.equal(
      checks.find((c) => c.kind === 'sql')?.status,
      'passed',
      'the rows written between the two backups are there',
    );

    // --full starts a new chain: the next incremental builds on it, not on the old chain.
    const restart = await cli(['backup', file, '--full'], { cwd: ws.dir, env: env() });
    assert.equal(restart.exitCode, 0, restart.stderr.slice(-2000));
    assert.match(restart.stderr, /--full: taking a full backup, which starts a new incremental chain/);
    const newFull = restart.stdout.trim();
    assert.equal((await record(newFull)).physical!.incremental, undefined);
    const next = await cli(['backup', file], { cwd: ws.dir, env: env() });
    assert.equal(next.exitCode, 0, next.stderr.slice(-2000));
    assert.deepEqual((await record(next.stdout.trim())).physical!.incremental?.chain, [newFull]);
  },
);

test('a url source older than PostgreSQL 17 is refused (exit 2) naming its major and the fix', async () => {
  const local = await sourceCluster(join(ws.dir, 'repo-15'));
  try {
    const file = await ws.scenario(
      'old.yaml',
      `name: old
source: { url: "host=${local.cluster.socketDir} port=${local.cluster.connection.port} user=postgres dbname=postgres" }
repository: ${join(ws.dir, 'repo-15')}
backup: { method: basebackup, incremental: true }
`,
    );
    const run = await cli(['backup', file], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 2, run.stdout + run.stderr.slice(-2000));
    assert.match(run.stderr, /backup\.incremental: .* is PostgreSQL 15, which cannot take incremental backups/);
    assert.match(run.stderr, /upgrade the source to PostgreSQL 17 or newer, or remove backup\.incremental/);
    const doctor = await cli(['doctor', file], { cwd: ws.dir, env: ws.env });
    assert.equal(doctor.exitCode, 3, doctor.stdout + doctor.stderr.slice(-2000));
    assert.match(doctor.stdout, /incremental: PostgreSQL 15 cannot take incremental backups \(17 or newer can\)/);
  } finally {
    await local.cluster.dispose();
  }
});
