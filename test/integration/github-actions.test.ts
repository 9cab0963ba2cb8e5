// A drill inside GitHub Actions: summary on the job page, annotations for what failed, JSON logs that name the run,
// and a result.json that its published schema accepts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { cli, type CliResult } from '../helpers/cli.ts';
import { workspace, dumpScenario, type Workspace } from '../helpers/workspace.ts';
import { resultJsonSchema, runResultSchema } from '../../src/run/result-schema.ts';
import type { RunResult } from '../../src/run/result.ts';

const EARLIER = '# An earlier step wrote this\n\n';
let ws: Workspace;
let run: CliResult;
let summaryFile: string;
let reportDir: string;
let result: RunResult;

before(async () => {
  ws = await workspace();
  summaryFile = join(ws.dir, 'step-summary.md');
  await writeFile(summaryFile, EARLIER);
  // One sound restore with one assertion that cannot hold: its name carries the characters GitHub's titles must escape.
  const checks =
    '[rowcounts, { sql: { query: "select count(*) from shop.orders", expect: -1, name: "orders, all: counted" } }]';
  const file = await ws.scenario('gh.yaml', dumpScenario(ws, { name: 'gh-drill', checks }));
  run = await cli(['drill', file, '--log-format', 'json'], {
    cwd: ws.dir,
    env: { ...ws.env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile },
  });
  const [runId] = await readdir(join(ws.dir, 'reports'));
  reportDir = join(ws.dir, 'reports', runId!);
  result = JSON.parse(await readFile(join(reportDir, 'result.json'), 'utf8')) as RunResult;
});
after(async () => {
  await ws.dispose();
});

test('the failed assertion fails the drill', () => {
  assert.equal(run.exitCode, 1, `${run.stdout}\n${run.stderr.slice(-2000)}`);
  assert.equal(result.verdict, 'failed');
});

test('the Markdown summary is appended to $GITHUB_STEP_SUMMARY after what was there', async () => {
  const summary = await readFile(summaryFile, 'utf8');
  assert.equal(summary, `${EARLIER}${await readFile(join(reportDir, 'summary.md'), 'utf8')}\n`);
  assert.match(summary, /# Recoverable drill FAILED: gh-drill/);
  assert.match(summary, /## Targets\n\n\| Target \| Reached \| Proof \| Verdict \| RTO \| Checks \|/);
});

test('stdout carries an ::error annotation for the failed check, its title escaped, and one for the RTO it leaves unproved', () => {
  const annotations = run.stdout.split('\n').filter((l) => l.startsWith('::'));
  assert.equal(annotations.length, 2, run.stdout);
  assert.match(
    annotations[0]!,
    /^::error title=Recoverable gh-drill%3A failed sql%3A1%3Aorders%2C all%3A counted::gh-drill \/ immediate \(local 15\): orders, all: counted: .*\(expected -1, actual \d+\)$/,
  );
  assert.match(annotations[1]!, /^::error title=Recoverable gh-drill%3A errored rto::objectives: /);
});

test('every log line is JSON, and the drill lines carry its runId and scenario', () => {
  const lines = run.stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string; runId?: string; scenario?: string });
  const restoring = lines.filter((l) => /^\[\d+\/\d+\] restoring /.test(l.msg));
  assert.ok(restoring.length >= 1, run.stderr.slice(-2000));
  for (const line of restoring) assert.deepEqual([line.runId, line.scenario], [result.runId, 'gh-drill']);
  assert.ok(
    lines.every((l) => l.scenario === 'gh-drill'),
    'every line of a drill names its scenario',
  );
});

test('result.json of a real drill is valid for the published JSON Schema (ajv) and the zod schema', () => {
  const validate = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(resultJsonSchema());
  assert.ok(validate(result), JSON.stringify(validate.errors));
  const parsed = runResultSchema.safeParse(result);
  assert.ok(parsed.success, parsed.error?.message);
});
