// pg_upgrade rehearsals on this machine: both majors must be installed here; a scenario that cannot upgrade exits 2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../helpers/cli.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { installedServerMajors } from '../../src/env/binaries.ts';
import { dockerAvailable, imagePresent } from '../helpers/docker.ts';

let ws: Workspace;
before(async () => {
  ws = await workspace();
});
after(async () => {
  assert.deepEqual(await ws.leftoverDirs(), [], 'nothing started, nothing left behind');
  await ws.dispose();
});

function scenario(name: string, body: string): Promise<string> {
  return ws.scenario(
    `${name}.yaml`,
    `name: ${name}\nrepository: ${ws.dir}/repo-${name}\nreport: { dir: ${ws.dir}/reports, formats: [json] }\nsource: { managed: { version: 15, fixtures: [${ws.dir}/fixtures/shop.sql] } }\n${body}`,
  );
}

test(
  'a local rehearsal without the newer major installed exits 3 before any backup, naming the major to install',
  { skip: installedServerMajors().includes(18) ? 'PostgreSQL 18 is installed here' : false },
  async () => {
    const file = await scenario(
      'local-upgrade',
      'backup: { method: basebackup }\nrestore: { environment: local, upgrade: { to: 18, mode: link } }\n',
    );
    const run = await cli(['drill', file, '--environment', 'local'], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 3, run.stdout + run.stderr);
    assert.match(run.stderr, /PostgreSQL 18 binaries are not installed/);
    assert.match(run.stderr, /apt-get install postgresql-18/);
  },
);

test(
  'without local binaries the drill turns to Docker, where a missing two-major image exits 3 naming how to build it',
  {
    skip: installedServerMajors().includes(18)
      ? 'PostgreSQL 18 is installed here'
      : (await dockerAvailable()).ok
        ? (await imagePresent('postgres:15-18'))
          ? 'postgres:15-18 exists here'
          : false
        : 'no Docker engine',
  },
  async () => {
    const file = await scenario(
      'fallback-upgrade',
      'backup: { method: basebackup }\nrestore: { upgrade: { to: 18, mode: link } }\n',
    );
    const run = await cli(['drill', file], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 3, run.stdout + run.stderr);
    assert.match(run.stderr, /image postgres:15-18 \(PostgreSQL 15 and 18 for pg_upgrade\) is not present/);
    assert.match(run.stderr, /hint: build it: PG_IMAGES_UPGRADES="15-18" bash \.ci\/pg-images\.sh/);
    assert.doesNotMatch(run.stderr, /backup .* complete/, 'refused before any backup');
  },
);

test('scenarios that cannot rehearse pg_upgrade exit 2 naming the field and the fix', async () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'dump-upgrade',
      'backup: { method: dump }\nrestore: { upgrade: { to: 17 } }\n',
      /restore\.upgrade[\s\S]*use restore\.version: 17 with a dump/,
    ],
    [
      'same-major',
      'backup: { method: basebackup }\nrestore: { upgrade: { to: 15 } }\n',
      /restore\.upgrade\.to[\s\S]*15 is not newer than the source's 15/,
    ],
    [
      'physical-version',
      'backup: { method: basebackup }\nrestore: { version: 17 }\n',
      /restore\.version[\s\S]*restore\.upgrade: \{ to: 17 \}/,
    ],
  ];
  for (const [name, body, said] of cases) {
    const run = await cli(['drill', await scenario(name, body)], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 2, `${name}: ${run.stdout}${run.stderr}`);
    assert.match(run.stdout + run.stderr, said, name);
  }
});

test(
  'doctor names the two-major image a docker rehearsal needs, and how to build it when missing',
  {
    skip: (await dockerAvailable()).ok
      ? (await imagePresent('postgres:15-18'))
        ? 'postgres:15-18 exists here'
        : false
      : 'no Docker engine',
  },
  async () => {
    const file = await scenario(
      'doctor-upgrade',
      'backup: { method: basebackup }\nrestore: { environment: docker, upgrade: { to: 18 } }\n',
    );
    const run = await cli(['doctor', file], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 3, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /postgres:15-18 \(PostgreSQL 15 and 18 for pg_upgrade\) missing\n\s+fix: PG_IMAGES_UPGRADES="15-18" bash \.ci\/pg-images\.sh/,
    );
  },
);
