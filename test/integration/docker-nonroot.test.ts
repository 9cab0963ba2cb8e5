// Docker as an ordinary user in the engine's socket group: a drill passes and leaves nothing the user cannot remove.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, chown } from 'node:fs/promises';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { latestResult } from '../helpers/results.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';
import { engineEndpoint } from '../../src/env/docker-engine.ts';

const USER = 'recoverable-docker';
const asRoot = process.getuid?.() === 0;
const unavailable = requireDockerInCi(await dockerAvailable());
const socket = engineEndpoint().http?.socketPath;
// The group that may use the engine's socket (Debian's engine: docker).
const socketGroup = socket ? spawnSync('stat', ['-c', '%G', socket], { encoding: 'utf8' }).stdout.trim() : '';
const skip = !asRoot
  ? 'creating a docker-group user needs root'
  : unavailable ||
    (!socket || socketGroup === '' || socketGroup === 'root'
      ? `the engine socket ${socket ?? '(none)'} has no group to join`
      : false) ||
    (await requireImage('postgres:15', { requiredInCi: true }));

let ws: Workspace;
let uid = 0;
let gid = 0;
let created = false;

before(async () => {
  if (skip) return;
  const exists = spawnSync('id', ['-u', USER]).status === 0;
  if (!exists) {
    execFileSync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/bin/sh',
      '--groups',
      socketGroup,
      USER,
    ]);
    created = true;
  } else {
    execFileSync('usermod', ['--append', '--groups', socketGroup, USER]);
  }
  uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }));
  gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }));
  ws = await workspace({ uid, gid });
  await mkdir(join(ws.dir, 'home'));
  await chown(join(ws.dir, 'home'), uid, gid);
});

after(async () => {
  if (skip) return;
  try {
    assert.deepEqual(leftoverContainers(), [], 'no container left behind');
    await ws.dispose();
  } finally {
    if (created) execFileSync('userdel', [USER]);
  }
});

// Containers started by runs in this workspace.
function leftoverContainers(): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', 'label=org.recoverable=true'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .filter((id) =>
      execFileSync('docker', ['inspect', '-f', '{{index .Config.Labels "org.recoverable.workdir"}}', id], {
        encoding: 'utf8',
      }).includes(ws.workDir),
    );
}

test(
  'a drill in Docker by a non-root user of the socket group passes, and everything it made is its own to remove',
  { skip },
  async () => {
    const file = await ws.scenario(
      'docker-user.yaml',
      `name: docker-user
source: { managed: { version: 15, fixtures: [${ws.dir}/fixtures/shop.sql], workload: { seed: 5, transactions: 100 } } }
repository: ${ws.dir}/repo
backup: { method: dump }
restore: { environment: docker }
checks: [rowcounts, fingerprints, schema, sequences, large-objects, roles, amcheck]
report: { dir: ${ws.dir}/reports, formats: [json] }
`,
    );
    const id = execFileSync('runuser', ['-u', USER, '--', 'id', '-Gn'], { encoding: 'utf8' });
    assert.match(id, new RegExp(`\\b${socketGroup}\\b`), 'the user is in the socket group');
    assert.doesNotMatch(execFileSync('runuser', ['-u', USER, '--', 'id', '-u'], { encoding: 'utf8' }), /^0$/m);
    const run = await cli(['drill', file], { cwd: ws.dir, env: { ...ws.env, HOME: join(ws.dir, 'home') }, user: USER });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr.slice(-3000));
    const result = await latestResult(join(ws.dir, 'reports'), 'docker-user');
    assert.equal(result.verdict, 'passed');
    assert.deepEqual(
      result.restores.map((r) => [r.environment.kind, r.environment.image]),
      [['docker', 'postgres:15']],
    );
    assert.deepEqual(await ws.leftoverDirs(), [], 'no temporary directory left in the work dir');
    assert.deepEqual(leftoverContainers(), [], 'no container left behind');
    // Everything the run wrote belongs to the user, who can remove it without root.
    const foreign = execFileSync('find', [ws.dir, '!', '-user', USER, '-printf', '%p %u\\n'], {
      encoding: 'utf8',
    }).trim();
    assert.equal(foreign, '', 'files the user does not own');
    const removed = spawnSync(
      'runuser',
      ['-u', USER, '--', 'rm', '-rf', join(ws.dir, 'repo'), join(ws.dir, 'reports'), ws.workDir],
      { encoding: 'utf8' },
    );
    assert.equal(removed.status, 0, removed.stderr);
  },
);
