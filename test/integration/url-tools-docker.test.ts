// A url source whose tools this machine lacks: with no PostgreSQL tools at all (dump), or only older ones (basebackup
// of a PostgreSQL 17 server with 15's here), the backup side borrows those of a postgres:17 container on the host's
// network, and both drills pass through Docker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdir, readdir, symlink } from 'node:fs/promises';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';
import { startDockerRuntime, type DockerRuntime } from '../../src/env/docker-runtime.ts';
import { Cluster } from '../../src/env/cluster.ts';
import { discoverBinaries } from '../../src/env/binaries.ts';
import { systemIdentifier } from '../../src/source/managed.ts';
import { containerArchiveCommand, prepareArchiveDir } from '../../src/source/archive-command.ts';
import { confValue } from '../../src/restore/recovery-config.ts';
import { silentLogger } from '../../src/core/log.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const SERVER = 17;
// The point is a server newer than every local pg_dump: with 17 or newer installed here there is nothing to borrow.
const localTooNew = discoverBinaries().some((b) => b.major >= SERVER)
  ? `PostgreSQL ${SERVER} or newer is installed here`
  : false;
const skip = unavailable || localTooNew || (await requireImage(`postgres:${SERVER}`, { requiredInCi: true }));

let ws: Workspace;
let runtime: DockerRuntime;
let server: Cluster;
let repository: string;
let url: string;
let noPostgresql: Record<string, string>;

before(async () => {
  if (skip) return;
  ws = await workspace();
  repository = join(ws.dir, 'repo');
  // A "real" server: PostgreSQL 17 in a container on the host's network, reached over TCP with a password, archiving into the repository.
  runtime = await startDockerRuntime({
    image: `postgres:${SERVER}`,
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
  const client = await server.connect('postgres');
  try {
    await client.query(
      `create table orders (id int primary key, note text); insert into orders select g, 'order ' || g from generate_series(1, 3000) g`,
    );
  } finally {
    await client.end();
  }
  url = `postgresql://postgres:\${SOURCE_PASSWORD}@127.0.0.1:${server.connection.port}/postgres`;
  // A machine without PostgreSQL: fixed layouts looked up under an empty tree, a PATH of the system's commands minus PostgreSQL's.
  const emptyRoot = join(ws.dir, 'empty-root');
  const path = join(ws.dir, 'path-without-postgresql');
  await mkdir(emptyRoot);
  await mkdir(path);
  for (const name of await readdir('/usr/bin'))
    if (!/^(pg_|postgres|psql|initdb)/.test(name)) await symlink(join('/usr/bin', name), join(path, name));
  noPostgresql = { RECOVERABLE_PG_SEARCH_ROOT: emptyRoot, PATH: `${path}:/usr/sbin` };
});

after(async () => {
  if (skip) return;
  await server?.dispose();
  await runtime?.dispose();
  await ws?.dispose();
});

async function drill(
  name: string,
  method: string,
  targets: string,
  env: Record<string, string> = {},
): Promise<{ exitCode: number; output: string }> {
  const file = await ws.scenario(
    `${name}.yaml`,
    `name: ${name}
source: { url: "${url}" }
repository: ${repository}
backup: { method: ${method} }
restore: { environment: docker, targets: ${targets} }
checks: [rowcounts, fingerprints, schema, amcheck]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
  );
  const run = await cli(['drill', file], {
    cwd: ws.dir,
    env: { ...ws.env, ...env, SOURCE_PASSWORD: encodeURIComponent(server.connection.password) },
  });
  return { exitCode: run.exitCode, output: run.stdout + run.stderr };
}

test(
  `a dump of a PostgreSQL ${SERVER} server on a machine with no PostgreSQL tools at all uses postgres:${SERVER}'s, and the drill passes`,
  { skip },
  async () => {
    const { exitCode, output } = await drill('newer-dump', 'dump', '[immediate]', noPostgresql);
    assert.equal(exitCode, 0, output.slice(-3000));
    assert.match(
      output,
      new RegExp(
        `no pg_dump/pg_dumpall ${SERVER} or newer here \\(none is installed here\\): using those of postgres:${SERVER} in a container on the host's network`,
      ),
    );
    const result = await latestResult(join(ws.dir, 'reports'), 'newer-dump');
    assert.equal(result.verdict, 'passed');
    assert.equal(result.backup?.sourceVersion, SERVER);
    assert.equal(result.restores[0]?.checks.find((c) => c.id === 'fingerprint:public.orders')?.status, 'passed');
  },
);

test(
  `a basebackup of a PostgreSQL ${SERVER} server with only older pg_basebackup here uses postgres:${SERVER}'s, and replays to latest`,
  { skip },
  async () => {
    const { exitCode, output } = await drill('newer-physical', 'basebackup', '[immediate, latest]');
    assert.equal(exitCode, 0, output.slice(-3000));
    assert.match(output, new RegExp(`no pg_basebackup ${SERVER} or newer here .*: using those of postgres:${SERVER}`));
    const result = await latestResult(join(ws.dir, 'reports'), 'newer-physical');
    assert.equal(result.verdict, 'passed');
    assert.equal(result.checks.find((c) => c.id === 'pg_verifybackup')?.status, 'passed');
    // A live server without markers has no exact data expectations at a target: replay, proof and structure are what is checked.
    for (const restore of result.restores) {
      for (const id of ['recovery:target', 'amcheck', 'checksums', 'restore:isolation'])
        assert.equal(restore.checks.find((c) => c.id === id)?.status, 'passed', `${restore.target}: ${id}`);
    }
  },
);
