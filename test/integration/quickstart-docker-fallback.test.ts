// The quickstart on a machine without local PostgreSQL: it moves to Docker (saying so) when an engine answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, ROOT } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage, containersUnder } from '../helpers/docker.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const image15 = unavailable || (await requireImage('postgres:15', { requiredInCi: true }));

let ws: Workspace;
let env: Record<string, string>;
before(async () => {
  ws = await workspace();
  await cp(join(ROOT, 'scenarios'), join(ws.dir, 'scenarios'), { recursive: true });
  // No PostgreSQL here: fixed layouts looked up under an empty tree, and a PATH holding the system's commands minus PostgreSQL's.
  const emptyRoot = join(ws.dir, 'empty-root');
  const path = join(ws.dir, 'path-without-postgresql');
  await mkdir(emptyRoot);
  await mkdir(path);
  for (const name of await readdir('/usr/bin'))
    if (!/^(pg_|postgres|psql|initdb)/.test(name)) await symlink(join('/usr/bin', name), join(path, name));
  env = { ...ws.env, RECOVERABLE_PG_SEARCH_ROOT: emptyRoot, PATH: `${path}:/usr/sbin` };
});
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left behind');
  assert.deepEqual(leftoverContainers(), [], 'no container left behind');
  await ws.dispose();
});

// Containers started by runs in this workspace.
function leftoverContainers(): string[] {
  return unavailable ? [] : containersUnder(ws.workDir);
}

test('doctor on that machine finds no PostgreSQL and names every place it searched', async () => {
  const run = await cli(['doctor'], { cwd: ws.dir, env });
  assert.equal(run.exitCode, 3, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    /PostgreSQL binaries \(searched, in order: RECOVERABLE_PG_BIN \(unset\), pg_config --bindir, .*empty-root\/usr\/lib\/postgresql\/N\/bin, .*empty-root\/usr\/pgsql-N\/bin, .*Postgres\.app.*, PATH\):\n {2}none found/,
  );
});

test(
  'doctor on the quickstart says the drill will run in Docker, and that its image is there',
  { skip: image15 },
  async () => {
    const run = await cli(['doctor', 'scenarios/quickstart.yaml'], { cwd: ws.dir, env });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /scenario quickstart: PostgreSQL 15 binaries are not installed: found none/);
    assert.match(
      run.stdout,
      /scenario quickstart: drill will run it in Docker instead \(an engine answers; --environment local insists on local\)\nscenario quickstart: postgres:15 present\n/,
    );
    // The machine checks follow: who runs clusters, the work directory, the disk.
    assert.match(run.stdout, /scenario quickstart: work directory: .* is writable/);
  },
);

test('the quickstart with --environment local insists: exit 3 naming what was searched and the fix', async () => {
  const run = await cli(['drill', 'scenarios/quickstart.yaml', '--environment', 'local'], { cwd: ws.dir, env });
  assert.equal(run.exitCode, 3, run.stdout + run.stderr);
  assert.match(run.stderr, /PostgreSQL 15 binaries are not installed: found none; searched RECOVERABLE_PG_BIN/);
  assert.match(run.stderr, /--environment docker/);
  assert.doesNotMatch(run.stderr, /running it in Docker instead/);
});

test(
  'the quickstart as written (environment: local) falls back to Docker, says so once, and passes',
  { skip: image15 },
  async () => {
    const run = await cli(['drill', 'scenarios/quickstart.yaml'], { cwd: ws.dir, env });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-3000));
    const said = run.stderr.split('\n').filter((line) => line.includes('running it in Docker instead'));
    assert.equal(said.length, 1, run.stderr);
    assert.match(
      said[0]!,
      /quickstart: no local PostgreSQL can run this scenario \(PostgreSQL 15 binaries are not installed/,
    );
    const result = await latestResult(join(ws.dir, 'reports'), 'quickstart');
    assert.equal(result.verdict, 'passed');
    assert.deepEqual(
      result.restores.map((r) => [r.environment.kind, r.environment.version, r.environment.image]),
      [['docker', 15, 'postgres:15']],
    );
    for (const id of ['fingerprint:shop.order_lines', 'schema:definitions', 'roles', 'amcheck'])
      assert.equal(result.restores[0]!.checks.find((c) => c.id === id)?.status, 'passed', id);
  },
);
