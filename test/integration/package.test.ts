// The npm package as a user gets it: packed, installed into an empty directory, run from its bin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdir, readdir, chmod, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.ts';
import { workspace, type Workspace } from '../helpers/workspace.ts';

let ws: Workspace;
let app: string;
let bin: string;
// The installed bin starts with `#!/usr/bin/env node`: put the project's Node 24 first on PATH, as an install of Node 24 would.
let env: Record<string, string>;
let packedFiles: string[] = [];

before(async () => {
  ws = await workspace();
  app = join(ws.dir, 'app');
  await mkdir(app);
  await chmod(app, 0o755);
  // prepack rebuilds dist/ from src/, so the tarball never carries a stale build.
  const pack = await execa('npm', ['pack', '--json', '--pack-destination', ws.dir], { cwd: ROOT });
  const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  assert.ok(packed, pack.stdout);
  packedFiles = packed.files.map((f) => f.path);
  await execa('npm', ['init', '--yes'], { cwd: app });
  // The dependencies come from npm's cache when they are there; the registry otherwise.
  await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(ws.dir, packed.filename)], {
    cwd: app,
  });
  bin = join(app, 'node_modules', '.bin', 'recoverable');
  env = {
    ...ws.env,
    GITHUB_ACTIONS: '',
    PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    RECOVERABLE_LOG_LEVEL: 'info',
  };
});
after(async () => {
  await ws.dispose();
});

test('the tarball carries the build, the schemas, the quickstart and its fixture, and no tests or sources', () => {
  for (const file of [
    'dist/cli/main.js',
    'dist/cli/drill.js',
    'schemas/scenario.schema.json',
    'schemas/result.schema.json',
    'scenarios/quickstart.yaml',
    'fixtures/shop.sql',
    'package.json',
    'README.md',
  ]) {
    assert.ok(packedFiles.includes(file), `${file} is in the package: ${packedFiles.join(', ')}`);
  }
  const strays = packedFiles.filter(
    (f) => f.startsWith('test/') || f.startsWith('src/') || f.endsWith('.ts') || f.endsWith('.map'),
  );
  assert.deepEqual(strays, [], 'no tests, sources or source maps are shipped');
});

test('the installed bin answers --help and --version', async () => {
  const help = await execa(bin, ['--help'], { cwd: app, env, reject: false });
  assert.equal(help.exitCode, 0, help.stderr);
  assert.match(help.stdout, /recoverable <command> \[options\]/);
  assert.match(help.stdout, /recoverable drill <scenario\.\.\.>/);
  const version = await execa(bin, ['--version'], { cwd: app, env, reject: false });
  const shipped = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), shipped.version);
});

test('init --quickstart then drill runs the quickstart from the installed package and passes', async () => {
  const init = await execa(bin, ['init', '--quickstart'], { cwd: app, env, reject: false });
  assert.equal(init.exitCode, 0, init.stderr);
  assert.ok(existsSync(join(app, 'scenarios', 'quickstart.yaml')));
  assert.ok(existsSync(join(app, 'fixtures', 'shop.sql')));
  const drill = await execa(bin, ['drill', 'scenarios/quickstart.yaml'], { cwd: app, env, reject: false });
  assert.equal(drill.exitCode, 0, `${drill.stdout}\n${drill.stderr}`);
  assert.match(drill.stdout, /^PASSED quickstart: /m);
  const runs = await readdir(join(app, 'reports'));
  assert.equal(runs.length, 1);
  const result = JSON.parse(await readFile(join(app, 'reports', runs[0]!, 'result.json'), 'utf8')) as {
    verdict: string;
    tool: { version: string };
  };
  assert.equal(result.verdict, 'passed');
  const shipped = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(result.tool.version, shipped.version, 'the result names the installed version');
  assert.deepEqual(await ws.leftoverDirs(), []);
});
