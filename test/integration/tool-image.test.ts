// The tool image: built from this checkout by docker/build.sh, run as its unprivileged user, it drills a real
// server over TCP with a password from the environment, and neither the password nor a container stays behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT } from '../helpers/cli.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import { dockerAvailable, requireDockerInCi, requireImage } from '../helpers/docker.ts';
import type { Cluster } from '../../src/env/cluster.ts';
import type { RunResult } from '../../src/run/result.ts';

const unavailable = requireDockerInCi(await dockerAvailable());
const skip = unavailable || (await requireImage('postgres:18', { requiredInCi: true }));

const TAG = `recoverable:test-${process.pid}`;
const PASSWORD = 'p@ss:w/rd %image';
let ws: Workspace;
let source: Cluster;
let runDir: string;
let uid: number;

before(async () => {
  if (skip) return;
  const build = await execa('bash', [join(ROOT, 'docker/build.sh'), '--tag', TAG, '--base', 'postgres:18'], {
    cwd: ROOT,
    reject: false,
    all: true,
  });
  assert.equal(build.exitCode, 0, `docker/build.sh failed:\n${String(build.all).slice(-3000)}`);
  ws = await workspace();
  source = (await sourceCluster(join(ws.dir, 'unused-archive'))).cluster;
  const client = await source.connect('postgres');
  try {
    await client.query(`create role drill login superuser password '${PASSWORD.replace(/'/g, "''")}'`);
    await client.query('create database shop');
  } finally {
    await client.end();
  }
  const shop = await source.connect('shop');
  try {
    await shop.query(`create table orders (id bigint generated always as identity primary key, customer text not null, total numeric(10,2) check (total >= 0));
      create index on orders (customer);
      insert into orders (customer, total) select 'customer ' || g, g * 1.25 from generate_series(1, 5000) g;
      create view big_orders as select * from orders where total > 1000;`);
  } finally {
    await shop.end();
  }
  // The image's user owns what it writes; the directory is mounted at the same path inside.
  uid = Number(execFileSync('docker', ['run', '--rm', '--entrypoint', 'id', TAG, '-u'], { encoding: 'utf8' }).trim());
  runDir = join(ws.dir, 'image-run');
  await mkdir(runDir);
  await chown(runDir, uid, uid);
});

after(async () => {
  if (skip) return;
  await source?.dispose();
  const containers = execFileSync('docker', ['ps', '-aq', '--filter', `ancestor=${TAG}`], { encoding: 'utf8' }).trim();
  execFileSync('docker', ['image', 'rm', '-f', TAG], { stdio: 'ignore' });
  await ws?.dispose();
  assert.equal(containers, '', 'no container of the image left behind');
});

test('the image runs as its own unprivileged user and answers --help and --version', { skip }, async () => {
  assert.notEqual(uid, 0, 'the image does not run as root');
  const help = await execa('docker', ['run', '--rm', '--network', 'host', TAG, '--help'], { reject: false });
  assert.equal(help.exitCode, 0, help.stderr);
  assert.match(help.stdout, /drill <scenario\.\.\.>/);
  const version = await execa('docker', ['run', '--rm', '--network', 'host', TAG, '--version'], { reject: false });
  const expected = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(version.stdout.trim(), expected);
});

test(
  'a dump drill of a url source, run inside the image, passes and keeps the password out of every file',
  { skip },
  async () => {
    const scenario = join(runDir, 'image-dump.yaml');
    await writeFile(
      scenario,
      `name: image-dump
source: { url: "postgresql://drill:\${SOURCE_PASSWORD}@127.0.0.1:${source.connection.port}/shop" }
repository: ${runDir}/repo
backup: { method: dump }
restore: { environment: local, version: 18 }
checks:
  - rowcounts
  - fingerprints
  - schema
  - sequences
  - amcheck
  - sql: { query: "select count(*) from orders where total > 1000", expect: 4200, name: big orders }
report: { dir: ${runDir}/reports, formats: [json, junit, markdown, html] }
`,
    );
    await chown(scenario, uid, uid);
    // As the Kubernetes recipe runs it: a read-only root, only /tmp and the mounted directory writable.
    const run = await execa(
      'docker',
      [
        'run',
        '--rm',
        '--network',
        'host',
        '--read-only',
        '--tmpfs',
        '/tmp',
        '-v',
        `${runDir}:${runDir}`,
        '-w',
        runDir,
        '-e',
        'SOURCE_PASSWORD',
        '-e',
        `RECOVERABLE_WORK_DIR=${runDir}/work`,
        TAG,
        'drill',
        scenario,
      ],
      {
        // A URL holds the password percent-encoded; the environment variable carries it so.
        reject: false,
        all: true,
        env: { SOURCE_PASSWORD: encodeURIComponent(PASSWORD) },
      },
    );
    assert.equal(run.exitCode, 0, String(run.all).slice(-4000));
    const runs = await readdir(join(runDir, 'reports'));
    assert.equal(runs.length, 1);
    const result = JSON.parse(await readFile(join(runDir, 'reports', runs[0]!, 'result.json'), 'utf8')) as RunResult;
    assert.equal(result.verdict, 'passed');
    assert.equal(result.backup?.sourceVersion, 15);
    assert.deepEqual(
      result.restores.map((r) => [r.environment.kind, r.environment.version]),
      [['local', 18]],
    );
    const checks = result.restores[0]!.checks;
    for (const id of [
      'rowcount:public.orders',
      'fingerprint:public.orders',
      'schema:definitions',
      'amcheck',
      'sql:1:big orders',
    ]) {
      assert.equal(
        checks.find((c) => c.id === id)?.status,
        'passed',
        `${id}: ${JSON.stringify(checks.find((c) => c.id === id))}`,
      );
    }
    // Nothing the run wrote (repository, reports, work directory) nor its output holds the password.
    for (const form of [PASSWORD, encodeURIComponent(PASSWORD)]) {
      const grep = spawnSync('grep', ['-rlF', '--', form, runDir], { encoding: 'utf8' });
      assert.equal(grep.status, 1, `grep found the password in: ${grep.stdout}${grep.stderr}`);
      assert.ok(!String(run.all).includes(form), 'the password is not in the output');
    }
  },
);
