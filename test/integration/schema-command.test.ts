// `recoverable schema` prints the shipped schemas; `init` points editors at the installed one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { cli, ROOT } from '../helpers/cli.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';

let ws: Workspace;
before(async () => {
  ws = await workspace();
});
after(async () => {
  await ws.dispose();
});

test('schema scenario and schema result print the files the package ships', async () => {
  for (const which of ['scenario', 'result']) {
    const run = await cli(['schema', which], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stderr);
    // execa strips the final newline of stdout.
    assert.equal(`${run.stdout}\n`, await readFile(join(ROOT, 'schemas', `${which}.schema.json`), 'utf8'), which);
  }
  const wrong = await cli(['schema', 'scenarios'], { cwd: ws.dir, env: ws.env });
  assert.equal(wrong.exitCode, 2);
  assert.match(wrong.stderr, /scenario, result|"scenario", "result"/);
});

test('init heads the scenario with a yaml-language-server line naming the scenario schema, and the quickstart too', async () => {
  for (const args of [
    ['init', 'nested/deeper/nightly.yaml'],
    ['init', '--quickstart'],
  ]) {
    const run = await cli(args, { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 0, run.stderr);
    const file = join(ws.dir, args[1] === '--quickstart' ? 'scenarios/quickstart.yaml' : args[1]!);
    const first = (await readFile(file, 'utf8')).split('\n')[0]!;
    const [, ref] = /^# yaml-language-server: \$schema=(\S+)$/.exec(first) ?? [];
    assert.ok(ref, first);
    assert.equal(resolve(dirname(file), ref), join(ROOT, 'schemas', 'scenario.schema.json'));
    const doctor = await cli(['doctor', file], { cwd: ws.dir, env: ws.env });
    assert.doesNotMatch(doctor.stderr, /scenario-invalid|is not valid/, 'the heading line keeps the scenario loadable');
  }
});
