// Bad input stops before anything starts: exit 2 naming the field, exit 3 saying what to install.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { workspace, dumpScenario, type Workspace } from '../helpers/workspace.ts';

let ws: Workspace;
before(async () => {
  ws = await workspace();
});
after(async () => {
  await ws.dispose();
});

// Nothing ran: no cluster, no repository, no report.
async function assertNothingStarted(): Promise<void> {
  assert.deepEqual(await ws.leftoverDirs(), []);
  assert.equal(existsSync(join(ws.dir, 'repo')), false, 'no repository was created');
  assert.equal(existsSync(join(ws.dir, 'reports')), false, 'no report was written');
}

test('an unknown field exits 2 naming its YAML path and the allowed keys', async () => {
  const file = await ws.scenario('unknown.yaml', dumpScenario(ws).replace('  jobs: 2', '  jobs: 2\n  jbos: 4'));
  const run = await cli(['drill', file], { env: ws.env });
  assert.equal(run.exitCode, 2, run.stderr);
  assert.match(run.stderr, /backup\.jbos/);
  assert.match(run.stderr, /jobs/);
  await assertNothingStarted();
});

test('a wrong type exits 2 naming the field and the expected type', async () => {
  const file = await ws.scenario('type.yaml', dumpScenario(ws).replace('  jobs: 2', '  jobs: two'));
  const run = await cli(['drill', file], { env: ws.env });
  assert.equal(run.exitCode, 2, run.stderr);
  assert.match(run.stderr, /backup\.jobs/);
  assert.match(run.stderr, /expected number/);
  await assertNothingStarted();
});

test('a missing fixture file exits 2 naming the field and the file', async () => {
  const file = await ws.scenario('fixture.yaml', dumpScenario(ws).replace('fixtures/shop.sql', 'fixtures/nope.sql'));
  const run = await cli(['drill', file], { env: ws.env });
  assert.equal(run.exitCode, 2, run.stderr);
  assert.match(run.stderr, /source\.managed\.fixtures\[0\]/);
  assert.match(run.stderr, /nope\.sql/);
  await assertNothingStarted();
});

test('a missing scenario file exits 2 and says which file', async () => {
  const run = await cli(['drill', join(ws.dir, 'absent.yaml')], { env: ws.env });
  assert.equal(run.exitCode, 2);
  assert.match(run.stderr, /absent\.yaml/);
});

test('a metrics target that cannot work exits 2 naming it before anything starts (drill and status alike)', async () => {
  const file = await ws.scenario('metrics.yaml', dumpScenario(ws));
  const drill = await cli(['drill', file, '--metrics-file', join(ws.dir, 'drill.txt')], { env: ws.env });
  assert.equal(drill.exitCode, 2, drill.stderr);
  assert.match(drill.stderr, /--metrics-file .*drill\.txt does not end in \.prom/);
  await assertNothingStarted();
  const status = await cli(['status', file, '--max-age', '1h', '--pushgateway', 'ftp://gateway'], { env: ws.env });
  assert.equal(status.exitCode, 2, status.stderr);
  assert.match(status.stderr, /--pushgateway is not an http\(s\) URL/);
});

test('an unknown command exits 2 with usage help', async () => {
  const run = await cli(['drlil'], { env: ws.env });
  assert.equal(run.exitCode, 2);
  assert.match(run.stderr, /drlil|Unknown/i);
});

test('PostgreSQL binaries of a major that is not installed exit 3 saying what to install (--environment local: no Docker fallback)', async () => {
  const file = await ws.scenario('v13.yaml', dumpScenario(ws, { version: 13 }));
  const run = await cli(['drill', file, '--environment', 'local'], { env: ws.env });
  assert.equal(run.exitCode, 3, run.stderr);
  assert.match(run.stderr, /PostgreSQL 13 binaries are not installed/);
  assert.match(run.stderr, /apt-get install postgresql-13/);
  await assertNothingStarted();
});

test('init writes a starter scenario that doctor accepts, and refuses to overwrite it', async () => {
  const file = join(ws.dir, 'scenarios', 'starter.yaml');
  const made = await cli(['init', file], { env: ws.env });
  assert.equal(made.exitCode, 0, made.stderr);
  assert.match(await readFile(file, 'utf8'), /^# /m);
  const doctor = await cli(['doctor', file], { cwd: ws.dir, env: ws.env });
  assert.equal(doctor.exitCode, 0, doctor.stdout + doctor.stderr);
  assert.match(doctor.stdout, /PostgreSQL 15 ready/);
  const again = await cli(['init', file], { env: ws.env });
  assert.equal(again.exitCode, 2);
  assert.match(again.stderr, /already exists/);
});
