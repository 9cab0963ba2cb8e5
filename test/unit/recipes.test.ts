// The CI recipes shipped at the top of the repository: valid YAML that uses what it declares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

const ROOT = new URL('../../', import.meta.url);
const load = async (path: string) => parse(await readFile(new URL(path, ROOT), 'utf8')) as Record<string, unknown>;

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  if?: string;
  shell?: string;
  id?: string;
}

test('action.yml: a composite action whose every input is used, with inputs reaching the shell only through env', async () => {
  const action = (await load('action.yml')) as {
    inputs: Record<string, { required?: boolean }>;
    outputs: Record<string, { value: string }>;
    runs: { using: string; steps: Step[] };
  };
  assert.equal(action.runs.using, 'composite');
  const steps = JSON.stringify(action.runs.steps);
  for (const input of Object.keys(action.inputs))
    assert.ok(steps.includes(`inputs.${input} }}`), `input ${input} is used`);
  assert.equal(action.inputs.scenario?.required, true);
  for (const step of action.runs.steps.filter((s) => s.run)) {
    assert.doesNotMatch(step.run!, /\$\{\{/, 'no expression is spliced into a script');
    assert.equal(step.shell, 'bash', 'composite run steps name their shell');
  }
  const drill = action.runs.steps.find((s) => s.id === 'drill');
  assert.match(drill?.run ?? '', /recoverable drill "\$\{files\[@\]\}"/);
  assert.match(action.outputs['exit-code']?.value ?? '', /steps\.drill\.outputs\.exit-code/);
  const upload = action.runs.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
  assert.equal(upload?.if, 'always()', 'reports are uploaded when the drill fails too');
});

test('examples/github/nightly.yml: scheduled, runs a drill, uploads the reports whatever the verdict', async () => {
  const workflow = (await load('examples/github/nightly.yml')) as {
    on: { schedule: Array<{ cron: string }> };
    jobs: Record<string, { steps: Step[] }>;
  };
  assert.ok(workflow.on.schedule[0]?.cron);
  const steps = Object.values(workflow.jobs)[0]!.steps;
  assert.ok(steps.some((s) => /recoverable drill \S+\.yaml/.test(s.run ?? '')));
  const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
  assert.equal(upload?.if, 'always()');
  assert.equal(upload?.with?.path, 'reports/');
});

test('examples/gitlab/.gitlab-ci.yml: JUnit reports where the drill writes them, kept when the job fails', async () => {
  const ci = (await load('examples/gitlab/.gitlab-ci.yml')) as Record<
    string,
    { script: string[]; artifacts: { when: string; reports: { junit: string }; paths: string[] } }
  >;
  const job = ci['restore-drill']!;
  assert.ok(job.script.some((line) => /^recoverable drill \S+\.yaml$/.test(line)));
  assert.equal(job.artifacts.when, 'always');
  // The drill writes <report.dir>/<run-id>/junit.xml.
  assert.equal(job.artifacts.reports.junit, 'reports/*/junit.xml');
  assert.deepEqual(job.artifacts.paths, ['reports/']);
});
