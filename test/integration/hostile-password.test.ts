// A url source whose password holds every separator: no byte of it reaches the logs, the reports or the repository.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { sourceCluster } from '../helpers/source-cluster.ts';
import type { Cluster } from '../../src/env/cluster.ts';

const PASSWORDS = [`p@ss:w/o%rd ü'"\\x&y=z`, `${'Lông'.repeat(250)}@:/%`];

let ws: Workspace;
let source: { cluster: Cluster; url: string };
before(async () => {
  ws = await workspace();
  source = await sourceCluster(join(ws.dir, 'archive'));
  const admin = await source.cluster.connect('postgres');
  try {
    // Password authentication on the socket for alice, so the password is really sent and really needed.
    for (const [i, password] of PASSWORDS.entries())
      await admin.query(`create role alice${i} login superuser password ${literal(password)}`);
    const hba = (await admin.query<{ hba_file: string }>('show hba_file')).rows[0]!.hba_file;
    await source.cluster.runtime.system('sh', [
      '-c',
      `{ printf 'local all alice0,alice1 scram-sha-256\\n'; cat '${hba}'; } > '${hba}.new' && mv '${hba}.new' '${hba}'`,
    ]);
    await source.cluster.runtime.adopt(hba);
    await admin.query('select pg_reload_conf()');
  } finally {
    await admin.end();
  }
});
after(async () => {
  await source?.cluster.dispose();
  await ws?.dispose();
});

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

// Every file under `dir`, with its bytes.
async function files(dir: string): Promise<Array<{ path: string; bytes: Buffer }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return Promise.all(
    entries
      .filter((e) => e.isFile())
      .map(async (e) => ({ path: join(e.parentPath, e.name), bytes: await readFile(join(e.parentPath, e.name)) })),
  );
}

for (const [i, password] of PASSWORDS.entries()) {
  test(`a drill with password ${JSON.stringify(password.slice(0, 24))}${password.length > 24 ? `… (${password.length} characters)` : ''} leaves no trace of it`, async () => {
    const socket = source.cluster.socketDir;
    const name = `hostile-password-${i}`;
    const file = await ws.scenario(
      `${name}.yaml`,
      `name: ${name}
source:
  url: "postgresql://alice${i}:\${SOURCE_PASSWORD}@/postgres?host=${encodeURIComponent(socket)}&port=${source.cluster.connection.port}"
repository: ${ws.dir}/repo
backup: { method: dump }
checks: [rowcounts, fingerprints, schema, roles]
report: { dir: ${ws.dir}/reports, formats: [json, junit, markdown, html] }
`,
    );
    const run = await cli(['drill', file, '--log-format', 'json', '--log-level', 'debug'], {
      cwd: ws.dir,
      env: { ...ws.env, SOURCE_PASSWORD: encodeURIComponent(password) },
    });
    assert.equal(run.exitCode, 0, run.stderr.slice(-2000));
    // The raw form, the URL-encoded form, and a distinctive piece of each: none may appear anywhere.
    const forms = [
      password,
      encodeURIComponent(password),
      password.slice(0, 12),
      encodeURIComponent(password).slice(0, 12),
    ];
    const everything = [
      { path: 'stdout', bytes: Buffer.from(run.stdout) },
      { path: 'stderr', bytes: Buffer.from(run.stderr) },
      ...(await files(join(ws.dir, 'reports'))),
      ...(await files(join(ws.dir, 'repo'))),
    ];
    assert.ok(everything.length > 10, 'reports and repository were written');
    for (const { path, bytes } of everything)
      for (const form of forms)
        assert.ok(!bytes.includes(form), `${path} holds the password (${JSON.stringify(form.slice(0, 12))})`);
  });
}

test('a wrong hostile password is refused (exit 3) and the error names the source without it', async () => {
  const wrong = `wr@ng:pa/ss%20 ${'é'.repeat(40)}'"`;
  const file = await ws.scenario(
    'hostile-password-wrong.yaml',
    `name: hostile-password-wrong
source:
  url: "postgresql://alice0:\${SOURCE_PASSWORD}@/postgres?host=${encodeURIComponent(source.cluster.socketDir)}&port=${source.cluster.connection.port}"
repository: ${ws.dir}/repo-wrong
backup: { method: dump }
report: { dir: ${ws.dir}/reports-wrong, formats: [json, markdown] }
`,
  );
  const run = await cli(['drill', file], {
    cwd: ws.dir,
    env: { ...ws.env, SOURCE_PASSWORD: encodeURIComponent(wrong) },
  });
  assert.equal(run.exitCode, 3, run.stderr.slice(-2000));
  const said = run.stdout + run.stderr;
  assert.match(said, /password authentication failed for user "alice0"/, said);
  assert.match(said, /postgresql:\/\/alice0:\*\*\*@/, 'the source is named, its password masked');
  const everything = [
    { path: 'stdout', bytes: Buffer.from(run.stdout) },
    { path: 'stderr', bytes: Buffer.from(run.stderr) },
    ...(await files(join(ws.dir, 'reports-wrong'))),
    ...(await files(join(ws.dir, 'repo-wrong'))),
  ];
  for (const { path, bytes } of everything)
    for (const form of [wrong, encodeURIComponent(wrong), 'wr@ng', 'wr%40ng'])
      assert.ok(!bytes.includes(form), `${path} holds the password (${form})`);
});
