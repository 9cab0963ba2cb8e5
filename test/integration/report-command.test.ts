// `recoverable report`: the reports of a real drill rendered again from its result.json alone are the ones the drill
// wrote, byte for byte; the exit code follows the verdict; bad input is refused with exit 2, naming the file and the fix.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { workspace, dumpScenario, type Workspace } from '../helpers/workspace.ts';
import type { RunResult } from '../../src/run/result.ts';

const FILES = ['result.json', 'junit.xml', 'summary.md', 'report.html'];

let ws: Workspace;
let runDir: string;
const drilled: Record<string, string> = {};

// One small dump drill for the whole file; every test reads its reports.
before(async () => {
  ws = await workspace();
  const scenario = await ws.scenario('report.yaml', dumpScenario(ws, { name: 'report-again', transactions: 50 }));
  const run = await cli(['drill', scenario], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 0, run.stderr + run.stdout);
  const runs = await readdir(join(ws.dir, 'reports'));
  assert.equal(runs.length, 1, runs.join(', '));
  runDir = join(ws.dir, 'reports', runs[0]!);
  for (const file of FILES) drilled[file] = await readFile(join(runDir, file), 'utf8');
});

after(async () => {
  await ws?.dispose();
});

// A directory holding only a copy of the drill's result.json (or the given text as result.json).
async function runWith(name: string, resultJson: string = drilled['result.json']!): Promise<string> {
  const dir = join(ws.dir, 'again', name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'result.json'), resultJson);
  return dir;
}

test('from result.json alone, every format is written again and is what the drill wrote', async () => {
  const dir = await runWith('alone');
  const run = await cli(['report', dir], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 0, run.stderr + run.stdout);
  assert.deepEqual(
    run.stdout.trim().split('\n'),
    FILES.map((f) => join(dir, f)),
    'each file written is named, result.json first',
  );
  assert.deepEqual((await readdir(dir)).sort(), [...FILES].sort(), 'no temporary file left behind');
  for (const file of FILES)
    assert.equal(await readFile(join(dir, file), 'utf8'), drilled[file], `${file} differs from the drill's`);
});

test("result.json may be named instead of its directory; rendering over the drill's own reports changes nothing", async () => {
  const dir = await runWith('by-file');
  const byFile = await cli(['report', join(dir, 'result.json')], { cwd: ws.dir, env: ws.env });
  assert.equal(byFile.exitCode, 0, byFile.stderr);
  assert.equal(await readFile(join(dir, 'summary.md'), 'utf8'), drilled['summary.md']);
  const inPlace = await cli(['report', runDir], { cwd: ws.dir, env: ws.env });
  assert.equal(inPlace.exitCode, 0, inPlace.stderr);
  for (const file of FILES) assert.equal(await readFile(join(runDir, file), 'utf8'), drilled[file], file);
  const evidence = await cli(['verify-evidence', runDir], { cwd: ws.dir, env: ws.env });
  assert.equal(
    evidence.exitCode,
    0,
    `the same bytes, so the run's evidence bundle still verifies: ${evidence.stdout}${evidence.stderr}`,
  );
});

test('a failed run renders as failed and exits 1: the exit code follows the verdict in result.json', async () => {
  const result = JSON.parse(drilled['result.json']!) as RunResult;
  const check = result.restores[0]!.checks.find((c) => c.kind === 'rowcounts')!;
  Object.assign(check, {
    status: 'failed',
    actual: 0,
    message: `${check.id.replace('rowcount:', '')} has 0 rows, the backup had ${String(check.expected)}`,
  });
  const failed: RunResult = { ...result, verdict: 'failed', summary: `FAILED ${result.scenario.name}: 1 check failed` };
  const dir = await runWith('failed', JSON.stringify(failed, null, 2));
  const run = await cli(['report', dir], { cwd: ws.dir, env: ws.env });
  assert.equal(run.exitCode, 1, run.stderr + run.stdout);
  assert.match(
    await readFile(join(dir, 'junit.xml'), 'utf8'),
    /<failure message="[^"]+ has 0 rows, the backup had \d+"/,
  );
  assert.match(await readFile(join(dir, 'summary.md'), 'utf8'), /FAILED/);
});

test('bad input exits 2 naming the file and the fix: a missing directory, a corrupt result.json, JSON that is not a run result', async () => {
  const missing = join(ws.dir, 'reports', 'no-such-run');
  const cases: Array<[string, string, RegExp]> = [
    ['missing', missing, new RegExp(`cannot read a run result from ${missing}: ENOENT`)],
    [
      'corrupt',
      join(await runWith('corrupt', drilled['result.json']!.slice(0, 200)), 'result.json'),
      /cannot read a run result from .*corrupt\/result\.json: .*JSON/,
    ],
    [
      'not a result',
      join(await runWith('shape', JSON.stringify({ runId: 'x', verdict: 'passed' })), 'result.json'),
      /shape\/result\.json is not a run result: schemaVersion: /,
    ],
    [
      'another verdict',
      join(
        await runWith('verdict', drilled['result.json']!.replace('"verdict": "passed"', '"verdict": "green"')),
        'result.json',
      ),
      /is not a run result: verdict: /,
    ],
  ];
  for (const [what, path, message] of cases) {
    const run = await cli(['report', path], { cwd: ws.dir, env: ws.env });
    assert.equal(run.exitCode, 2, `${what}: ${run.stderr}`);
    assert.match(run.stderr, message, what);
    assert.match(run.stderr, /reports\/<run-id> directory written by `recoverable drill`/, `${what}: the fix`);
    assert.doesNotMatch(run.stderr, /\n\s+at /, `${what}: no stack trace`);
  }
  assert.deepEqual(
    (await readdir(join(ws.dir, 'again', 'shape'))).sort(),
    ['result.json'],
    'nothing rendered from a bad result',
  );
});
