// Fatal errors follow --log-format: a line for a person by default, one JSON line for a log collector.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../helpers/cli.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';
import { errorCodes } from '../../src/core/errors.ts';

let ws: Workspace;
before(async () => {
  ws = await workspace();
});
after(async () => {
  await ws.dispose();
});

test('a missing scenario is a human line by default, though stderr is not a terminal', async () => {
  const run = await cli(['drill', 'nowhere.yaml'], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 2, run.stderr);
  assert.match(run.stderr, /^recoverable: .*nowhere\.yaml/m);
  assert.doesNotMatch(run.stderr, /^\{/m, 'no JSON line');
});

test("an error that names no hint of its own is followed by its code's default hint from the registry", async () => {
  const run = await cli(['drill', 'nowhere.yaml'], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 2, run.stderr);
  assert.ok(run.stderr.split('\n').includes(`hint: ${errorCodes['scenario-invalid'].hint}`), run.stderr);
  const json = await cli(['drill', 'nowhere.yaml', '--log-format', 'json'], { cwd: ws.dir, env: ws.env });
  const line = JSON.parse(json.stderr.trim().split('\n').at(-1)!) as { code: string; hint?: string };
  assert.deepEqual([line.code, line.hint], ['scenario-invalid', errorCodes['scenario-invalid'].hint]);
});

test('with --log-format json a missing scenario is one JSON line with code, exit code and message', async () => {
  const run = await cli(['drill', 'nowhere.yaml', '--log-format', 'json'], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 2, run.stderr);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  const line = JSON.parse(lines[0]!) as { level: number; code: string; exitCode: number; msg: string; tool: string };
  assert.equal(line.level, 60);
  assert.equal(line.exitCode, 2);
  assert.equal(line.tool, 'recoverable');
  assert.match(line.msg, /nowhere\.yaml/);
  assert.ok(line.code.length > 0);
});

test('a usage error caught by the parser follows --log-format=json too', async () => {
  const run = await cli(['drill', '--log-format=json'], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 2, run.stderr);
  const line = JSON.parse(run.stderr.trim().split('\n').at(-1)!) as { code: string; hint?: string };
  assert.equal(line.code, 'usage');
  assert.match(line.hint ?? '', /--help/);
});
