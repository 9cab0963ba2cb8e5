import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ScenarioError } from '../../../src/core/errors.ts';
import { loadScenario, type LoadScenarioOptions } from '../../../src/scenario/load.ts';
import { exitCodeOf } from '../../../src/cli/exit-code.ts';

const root = await mkdtemp(join(tmpdir(), 'recoverable-scenario-'));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

// A fresh directory holding `files`; returns it.
async function workdir(files: Record<string, string>): Promise<string> {
  const dir = join(root, String(count++));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

// The ScenarioError thrown when loading `yaml` as scenario.yaml.
async function loadError(
  yaml: string,
  files: Record<string, string> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<ScenarioError> {
  const cwd = await workdir({ 'scenario.yaml': yaml, ...files });
  const error = await loadScenario('scenario.yaml', { cwd, env }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ScenarioError, `expected a ScenarioError, got ${String(error)}`);
  return error;
}

// Load `yaml` as scenario.yaml in a fresh directory.
async function load(
  yaml: string,
  files: Record<string, string> = {},
  env: NodeJS.ProcessEnv = {},
  opts: Omit<LoadScenarioOptions, 'cwd' | 'env'> = {},
) {
  const cwd = await workdir({ 'scenario.yaml': yaml, ...files });
  return { cwd, scenario: await loadScenario('scenario.yaml', { cwd, env, installedServerMajors: () => [], ...opts }) };
}

const QUICKSTART = `name: quickstart
source:
  managed:
    version: 15
    fixtures: [fixtures/shop.sql]
    workload: { seed: 42, transactions: 2000 }
repository: .recoverable/repo
backup:
  method: dump
  jobs: 2
restore:
  environment: local
  targets: [immediate]
checks:
  - rowcounts
  - fingerprints
  - schema
  - amcheck: { heapallindexed: true }
  - sql: { query: "select count(*) from shop.orders where total < 0", expect: 0 }
objectives: { rto: 5m, rpo: 1m }
report: { dir: reports, formats: [json, junit, markdown, html] }
`;

test('the design quickstart loads, with defaults and absolute paths', async () => {
  const { cwd, scenario } = await load(QUICKSTART, { 'fixtures/shop.sql': 'create schema shop;' });
  assert.equal(scenario.name, 'quickstart');
  assert.equal(scenario.path, join(cwd, 'scenario.yaml'));
  assert.equal(scenario.sha256, createHash('sha256').update(QUICKSTART).digest('hex'));
  assert.deepEqual(scenario.source, {
    kind: 'managed',
    version: 15,
    database: 'app',
    fixtures: [join(cwd, 'fixtures/shop.sql')],
    workload: { seed: 42, transactions: 2000 },
    dataChecksums: true,
    tablespaces: [],
    markers: true,
  });
  assert.equal(scenario.repository, join(cwd, '.recoverable/repo'));
  assert.deepEqual(scenario.backup, { method: 'dump', jobs: 2, archiveTimeoutMs: 300_000 });
  assert.deepEqual(scenario.restore, {
    environment: 'local',
    noOwner: false,
    noPrivileges: false,
    targets: [{ kind: 'immediate', checks: [], label: 'immediate' }],
  });
  assert.deepEqual(scenario.checks, [
    { kind: 'rowcounts' },
    { kind: 'fingerprints' },
    { kind: 'schema' },
    { kind: 'amcheck', heapallindexed: true },
    {
      kind: 'sql',
      query: 'select count(*) from shop.orders where total < 0',
      expect: 0,
      name: 'select count(*) from shop.orders where total < 0',
    },
  ]);
  assert.deepEqual(scenario.objectives, { rtoMs: 300_000, rpoMs: 60_000 });
  assert.deepEqual(scenario.report, { dir: join(cwd, 'reports'), formats: ['json', 'junit', 'markdown', 'html'] });
});

test('a minimal scenario gets every default', async () => {
  const { cwd, scenario } = await load('name: minimal\nsource:\n  managed:\n');
  assert.deepEqual(scenario.source, {
    kind: 'managed',
    version: 15,
    database: 'app',
    fixtures: [],
    workload: { seed: 42, transactions: 1000 },
    dataChecksums: true,
    tablespaces: [],
    markers: true,
  });
  assert.deepEqual(scenario.backup, { method: 'dump', jobs: 2, archiveTimeoutMs: 300_000 });
  assert.deepEqual(scenario.restore.targets, [{ kind: 'immediate', checks: [], label: 'immediate' }]);
  assert.deepEqual(scenario.checks, [
    { kind: 'rowcounts' },
    { kind: 'fingerprints' },
    { kind: 'schema' },
    { kind: 'sequences' },
    { kind: 'large-objects' },
    { kind: 'roles' },
    { kind: 'amcheck', heapallindexed: true },
  ]);
  assert.deepEqual(scenario.objectives, {});
  assert.deepEqual(scenario.report, { dir: join(cwd, 'reports'), formats: ['json', 'junit', 'markdown', 'html'] });
  assert.equal(scenario.repository, join(cwd, '.recoverable/repo'));
});

test('an unknown field is named by its path and the fix lists the allowed keys', async () => {
  const error = await loadError('name: q\nsource: { managed: {} }\nbackup:\n  jbos: 2\n');
  assert.equal(exitCodeOf(error.category), 2);
  const [issue] = error.issues;
  assert.equal(issue?.path, 'backup.jbos');
  assert.equal(issue?.problem, 'unknown field "jbos"');
  assert.equal(
    issue?.fix,
    'rename it to jobs; allowed here: method, jobs, use, snapshot, external, archiveTimeout, incremental',
  );
  assert.equal(
    error.message,
    'scenario.yaml: backup.jbos: unknown field "jbos" (fix: rename it to jobs; allowed here: method, jobs, use, snapshot, external, archiveTimeout, incremental)',
  );
});

test('a wrong type names the path, the expected and the actual type', async () => {
  const error = await loadError('name: q\nsource: { managed: {} }\nbackup: { jobs: "two" }\n');
  assert.deepEqual(
    error.issues.map((issue) => [issue.path, issue.problem]),
    [['backup.jobs', 'expected number, got string']],
  );
});

test('out-of-range numbers and unknown enum values say what is allowed', async () => {
  const error = await loadError('name: q\nsource: { managed: { version: 12 } }\nbackup: { method: dmp, jobs: 65 }\n');
  const byPath = new Map(error.issues.map((issue) => [issue.path, issue]));
  assert.match(byPath.get('source.managed.version')?.fix ?? '', /13 to 18/);
  assert.match(byPath.get('backup.jobs')?.fix ?? '', /1 to 64/);
  assert.equal(byPath.get('backup.method')?.problem, 'expected one of dump, basebackup, snapshot, external, got "dmp"');
  assert.equal(byPath.get('backup.method')?.fix, 'did you mean dump?');
});

test('a missing fixture file is named by its path', async () => {
  const error = await loadError(
    'name: q\nsource:\n  managed:\n    fixtures: [fixtures/there.sql, fixtures/missing.sql]\n',
    { 'fixtures/there.sql': '' },
  );
  assert.deepEqual(
    error.issues.map((issue) => issue.path),
    ['source.managed.fixtures[1]'],
  );
  assert.match(error.issues[0]?.problem ?? '', /missing\.sql/);
});

test('${VAR} comes from the environment; a missing one names the path and the variable', async () => {
  const yaml = 'name: q\nsource: { url: "${DATABASE_URL}", restoreCommand: "cp $${ARCHIVE}/%f %p" }\n';
  const error = await loadError(yaml);
  assert.deepEqual(error.issues, [
    { path: 'source.url', problem: 'environment variable DATABASE_URL is not set', fix: 'export DATABASE_URL=...' },
  ]);
  const { scenario } = await load(yaml, {}, { DATABASE_URL: 'postgres://app@db:5432/app' });
  assert.deepEqual(scenario.source, {
    kind: 'url',
    url: 'postgres://app@db:5432/app',
    restoreCommand: 'cp ${ARCHIVE}/%f %p',
    markers: false,
  });
});

test('a password written in the file is refused; one from the environment is fine', async () => {
  const error = await loadError('name: q\nsource: { url: "postgres://app:hunter2@db/app" }\n');
  assert.deepEqual(
    error.issues.map((issue) => issue.path),
    ['source.url'],
  );
  assert.doesNotMatch(error.message, /hunter2/);
  const { scenario } = await load(
    'name: q\nsource: { url: "postgres://app:${PGPASS}@db/app" }\n',
    {},
    { PGPASS: 'hunter2' },
  );
  assert.equal(scenario.source.kind === 'url' && scenario.source.url, 'postgres://app:hunter2@db/app');
});

test('every issue is reported at once, one line each', async () => {
  const error = await loadError(
    'name: Bad Name\nsource: { managed: {}, url: "host=db" }\nbackup: { jobs: 0, jbos: 1 }\nobjectives: { rto: 300 }\n',
  );
  assert.deepEqual(
    error.issues.map((issue) => issue.path).sort(),
    ['backup.jbos', 'backup.jobs', 'name', 'objectives.rto', 'source'].sort(),
  );
  assert.equal(error.message.split('\n').length, 5);
  for (const line of error.message.split('\n')) assert.match(line, /^scenario\.yaml: \S+: .+ \(fix: .+\)$/);
});

test('a YAML syntax error is located by line:column', async () => {
  const error = await loadError('name: q\nsource:\n  managed: { version: 15\n');
  assert.match(error.issues[0]?.path ?? '', /^\d+:\d+$/);
  const duplicate = await loadError('name: q\nname: r\n');
  assert.equal(duplicate.issues[0]?.path, '2:1');
  assert.equal(duplicate.issues[0]?.problem, 'map keys must be unique');
});

test('a missing or empty file is a scenario error with a fix', async () => {
  const cwd = await workdir({});
  await assert.rejects(loadScenario('nope.yaml', { cwd, env: {} }), (error: unknown) => {
    assert.ok(error instanceof ScenarioError);
    assert.equal(error.issues[0]?.path, '<file>');
    assert.match(error.issues[0]?.fix ?? '', /recoverable init/);
    return true;
  });
  const empty = await loadError('');
  assert.equal(empty.issues[0]?.problem, 'the scenario is empty');
});

test('targets of each form parse, with labels and their own checks', async () => {
  const { scenario } = await load(`name: pitr
source: { managed: {} }
backup: { method: basebackup }
restore:
  targets:
    - immediate
    - latest
    - { time: 2024-05-01T12:00:00.123456+02:00 }
    - { lsn: 0/1a2b3c, inclusive: false }
    - { xid: 1234, inclusive: false, checks: [ { sql: { query: "select 1", expect: 1 } } ] }
    - { name: before-migration }
    - { marker: after-batch-2, checks: [sequences] }
`);
  assert.deepEqual(scenario.restore.targets, [
    { kind: 'immediate', checks: [], label: 'immediate' },
    { kind: 'latest', checks: [], label: 'latest' },
    {
      kind: 'time',
      time: '2024-05-01T12:00:00.123456+02:00',
      inclusive: true,
      checks: [],
      label: 'time:2024-05-01T12:00:00.123456+02:00',
    },
    { kind: 'lsn', lsn: '0/1A2B3C', inclusive: false, checks: [], label: 'lsn:0/1A2B3C (exclusive)' },
    {
      kind: 'xid',
      xid: 1234,
      inclusive: false,
      checks: [{ kind: 'sql', query: 'select 1', expect: 1, name: 'select 1' }],
      label: 'xid:1234 (exclusive)',
    },
    { kind: 'name', name: 'before-migration', checks: [], label: 'name:before-migration' },
    {
      kind: 'marker',
      marker: 'after-batch-2',
      inclusive: true,
      via: 'xid',
      checks: [{ kind: 'sequences' }],
      label: 'marker:after-batch-2',
    },
  ]);
});

test('malformed targets are named by index', async () => {
  const error = await loadError(`name: q
source: { managed: {} }
backup: { method: basebackup }
restore: { targets: [latst, { lsn: zz }, { time: "2024-05-01 12:00" }, { xid: 1, lsn: 0/1 }, { name: x, inclusive: false }] }
`);
  const byPath = new Map(error.issues.map((issue) => [issue.path, issue]));
  assert.equal(byPath.get('restore.targets[0]')?.problem, 'unknown target "latst"');
  assert.match(byPath.get('restore.targets[0]')?.fix ?? '', /did you mean latest\?/);
  assert.ok(byPath.has('restore.targets[1].lsn'));
  assert.ok(byPath.has('restore.targets[2].time'));
  assert.match(byPath.get('restore.targets[3]')?.problem ?? '', /lsn and xid/);
  assert.ok(byPath.has('restore.targets[4].inclusive'));
});

test('matrix, docker, snapshot and every check form parse', async () => {
  const { scenario } = await load(`name: matrix
source: { url: "host=db dbname=app", markers: true }
backup: { method: snapshot, use: latest, snapshot: { command: "snap", restoreCommand: "unsnap" } }
restore: { environment: docker, image: postgres:17, noOwner: true, noPrivileges: true, matrix: { version: [15, 17, 18] } }
checks:
  - rowcounts
  - fingerprints
  - schema
  - sequences
  - large-objects
  - roles
  - amcheck
  - amcheck: { heapallindexed: false }
  - sql: { query: "select name from app.settings where key = 'mode' and value is not null and value <> ''", expect: "on", database: app, name: null-free }
  - sql: { query: "select exists (select 1 from app.orders where total < 0 and created_at > now())", expect: false }
`);
  assert.deepEqual(scenario.source, { kind: 'url', url: 'host=db dbname=app', markers: true });
  assert.deepEqual(scenario.backup, {
    method: 'snapshot',
    jobs: 2,
    archiveTimeoutMs: 300_000,
    use: 'latest',
    snapshot: { command: 'snap', restoreCommand: 'unsnap', timeoutMs: 600_000, allowStandby: false },
  });
  assert.deepEqual(scenario.restore.matrix, { version: [15, 17, 18] });
  assert.equal(scenario.restore.image, 'postgres:17');
  assert.equal(scenario.checks.length, 10);
  assert.deepEqual(scenario.checks[7], { kind: 'amcheck', heapallindexed: false });
  assert.deepEqual(scenario.checks[8], {
    kind: 'sql',
    query: "select name from app.settings where key = 'mode' and value is not null and value <> ''",
    expect: 'on',
    database: 'app',
    name: 'null-free',
  });
  const last = scenario.checks[9];
  assert.equal(last?.kind === 'sql' && last.name, 'select exists (select 1 from app.orders where total < 0 a...');
});

test('cross-field rules run after the schema and are reported like schema issues', async () => {
  const error = await loadError(
    'name: q\nsource: { managed: {} }\nrestore: { image: postgres:17, targets: [immediate, latest] }\n',
  );
  assert.deepEqual(
    error.issues.map((issue) => issue.path),
    ['restore.image', 'restore.targets[1]'],
  );
  assert.equal(error.issues[1]?.fix, 'use targets: [immediate] or backup.method: basebackup');
});

test('every target kind has an object form that carries its own checks: { latest: true, checks }, { immediate: true, checks }', async () => {
  const { scenario } = await load(`name: forms
source: { managed: {} }
backup: { method: basebackup }
restore:
  targets:
    - { immediate: true, checks: [{ sql: { query: "select 1", expect: 1 } }] }
    - latest: true
      checks: [amcheck]
    - { time: "2025-03-01T10:00:00.123456+01:00", checks: [rowcounts] }
`);
  const [immediate, latest, time] = scenario.restore.targets;
  assert.deepEqual(immediate, {
    kind: 'immediate',
    label: 'immediate',
    checks: [{ kind: 'sql', query: 'select 1', expect: 1, name: 'select 1' }],
  });
  assert.deepEqual(latest, { kind: 'latest', label: 'latest', checks: [{ kind: 'amcheck', heapallindexed: true }] });
  assert.equal(
    time?.kind === 'time' && time.time,
    '2025-03-01T10:00:00.123456+01:00',
    'the time is kept as written, microseconds included',
  );
  const plain = await load('name: q\nsource: { managed: {} }\nrestore: { targets: [{ immediate: }] }\n');
  assert.deepEqual(
    plain.scenario.restore.targets,
    [{ kind: 'immediate', label: 'immediate', checks: [] }],
    '`immediate:` with nothing after it is the plain word',
  );
});

test('a target object form is refused when it says nothing, repeats a plain word, or a dump cannot reach it', async () => {
  const error = await loadError(
    'name: q\nsource: { managed: {} }\nbackup: { method: basebackup }\nrestore: { targets: [{ latest: false }, { immediate: true, checks: [rowcounts] }, immediate, { time: "2025-03-01T10:00:00.1234567Z" }] }\n',
  );
  const byPath = new Map(error.issues.map((issue) => [issue.path, issue]));
  assert.equal(byPath.get('restore.targets[0].latest')?.problem, 'latest: false is not a setting');
  assert.match(
    byPath.get('restore.targets[0].latest')?.fix ?? '',
    /write \{ latest: true, checks: \[\.\.\.\] \}, or the plain word latest/,
  );
  assert.match(
    byPath.get('restore.targets[3].time')?.problem ?? '',
    /7 fractional digits: PostgreSQL keeps microseconds/,
  );
  const repeated = await loadError(
    'name: q\nsource: { managed: {} }\nbackup: { method: basebackup }\nrestore: { targets: [{ immediate: true, checks: [rowcounts] }, immediate] }\n',
  );
  assert.deepEqual(
    repeated.issues.map((issue) => [issue.path, issue.problem]),
    [['restore.targets[1]', 'target immediate repeats restore.targets[0]']],
  );
  const dump = await load(
    'name: q\nsource: { managed: {} }\nrestore: { targets: [{ immediate: true, checks: [rowcounts] }] }\n',
  );
  assert.equal(
    dump.scenario.restore.targets[0]?.kind,
    'immediate',
    'a dump restores to { immediate: true } as to immediate',
  );
  const latestDump = await loadError('name: q\nsource: { managed: {} }\nrestore: { targets: [{ latest: true }] }\n');
  assert.deepEqual(
    latestDump.issues.map((issue) => issue.path),
    ['restore.targets[0]'],
  );
});

test('a socket URL is a valid source; a malformed URL is an error naming source.url and what is wrong, never the password', async () => {
  const { scenario } = await load('name: q\nsource: { url: "postgresql://app@/shop?host=/var/run/postgresql" }\n');
  assert.equal(
    scenario.source.kind === 'url' && scenario.source.url,
    'postgresql://app@/shop?host=/var/run/postgresql',
  );
  const error = await loadError(
    'name: q\nsource: { url: "${DATABASE_URL}" }\n',
    {},
    { DATABASE_URL: 'postgresql://app:hunter2@db:54x2/shop' },
  );
  assert.deepEqual(
    error.issues.map((issue) => issue.path),
    ['source.url'],
  );
  assert.match(error.message, /source\.url: the port "54x2" is not a number from 1 to 65535/);
  assert.doesNotMatch(error.message, /hunter2/);
  const conninfo = await loadError('name: q\nsource: { url: "host=db dbname=\'shop" }\n');
  assert.match(conninfo.issues[0]?.problem ?? '', /the value of dbname has no closing quote/);
});

test('a managed source without version runs the newest supported major installed here, locally', async () => {
  const installed = { installedServerMajors: () => [19, 16, 15] };
  const { scenario } = await load('name: q\nsource: { managed: {} }\n', {}, {}, installed);
  assert.equal(scenario.source.kind === 'managed' && scenario.source.version, 16);
  const { scenario: pinned } = await load('name: q\nsource: { managed: { version: 13 } }\n', {}, {}, installed);
  assert.equal(pinned.source.kind === 'managed' && pinned.source.version, 13, 'a written version wins');
  const { scenario: none } = await load(
    'name: q\nsource: { managed: {} }\n',
    {},
    {},
    { installedServerMajors: () => [] },
  );
  assert.equal(
    none.source.kind === 'managed' && none.source.version,
    15,
    'nothing installed: 15, whose absence the drill then reports',
  );
});

test('--environment replaces restore.environment; in Docker an unversioned managed source runs 15', async () => {
  const installed = { installedServerMajors: () => [16] };
  const { scenario } = await load(
    'name: q\nsource: { managed: {} }\nrestore: { environment: local }\n',
    {},
    {},
    { ...installed, environment: 'docker' },
  );
  assert.equal(scenario.restore.environment, 'docker');
  assert.equal(scenario.source.kind === 'managed' && scenario.source.version, 15);
  const { scenario: local } = await load(
    'name: q\nsource: { managed: {} }\nrestore: { environment: docker }\n',
    {},
    {},
    { ...installed, environment: 'local' },
  );
  assert.equal(local.restore.environment, 'local');
  assert.equal(local.source.kind === 'managed' && local.source.version, 16);
});

test('an image with --environment local is reported like an image written for local', async () => {
  const cwd = await workdir({
    'scenario.yaml': 'name: q\nsource: { managed: {} }\nrestore: { environment: docker, image: "postgres:16" }\n',
  });
  const error = await loadScenario('scenario.yaml', {
    cwd,
    env: {},
    environment: 'local',
    installedServerMajors: () => [15],
  }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ScenarioError);
  assert.deepEqual(
    error.issues.map((issue) => issue.path),
    ['restore.image'],
  );
});

test('a physical backup of an unversioned managed source keeps the major chosen for it', async () => {
  const cwd = await workdir({
    'scenario.yaml': 'name: q\nsource: { managed: {} }\nbackup: { method: basebackup }\nrestore: { version: 17 }\n',
  });
  const error = await loadScenario('scenario.yaml', { cwd, env: {}, installedServerMajors: () => [16] }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ScenarioError);
  assert.match(error.message, /restore\.version: a basebackup of PostgreSQL 16 cannot be restored into PostgreSQL 17/);
});
