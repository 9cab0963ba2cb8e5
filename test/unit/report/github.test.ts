import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorAnnotations, escapeData, escapeProperty, stepSummaryFile } from '../../../src/report/github.ts';
import { check, failingResult, passingResult, restore } from './sample-result.ts';

test('escaping follows the workflow command rules: %, CR, LF in data; also : and , in properties', () => {
  assert.equal(escapeData('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext: a, b');
  assert.equal(escapeProperty('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext%3A a%2C b');
  // A % first escaped keeps later escapes from being read as input.
  assert.equal(escapeData('%0A'), '%250A');
});

test('one ::error per failure with the scenario in the title, nothing for a passing run', () => {
  const lines = errorAnnotations(failingResult());
  assert.equal(lines.length, 3);
  assert.equal(
    lines[0],
    '::error title=Recoverable quickstart%3A failed fingerprint%3Ashop.orders::quickstart / immediate (local 15): row count differs <script>alert("x")</script> | see pg_restore log (expected ' +
      `${'x'.repeat(199)}…, actual a|b]]>c)`,
  );
  assert.match(lines[2]!, /^::error title=Recoverable quickstart%3A failed rto::objectives: RTO 12\.1 s exceeds 5 s/);
  for (const line of lines) assert.doesNotMatch(line, /\n|\r/);
  assert.deepEqual(errorAnnotations(passingResult()), []);
});

test('a multi-line message stays one command, and more than ten failures end in a count', () => {
  const checks = Array.from({ length: 13 }, (_, i) =>
    check({ id: `sql:check-${i}`, kind: 'sql', status: 'failed', message: `line one\nline two ${i}` }),
  );
  const lines = errorAnnotations(passingResult({ restores: [restore({ checks })] }));
  assert.equal(lines.length, 11);
  assert.match(lines[0]!, /line one%0Aline two 0$/);
  assert.match(lines[10]!, /^::error title=Recoverable quickstart%3A 3 more::3 more checks or objectives did not pass/);
});

test('the step summary is written only inside GitHub Actions, to the file it names, unless turned off', () => {
  const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: '/tmp/summary.md' };
  assert.equal(stepSummaryFile(env, true), '/tmp/summary.md');
  assert.equal(stepSummaryFile(env, false), null, '--no-step-summary');
  assert.equal(stepSummaryFile({ ...env, RECOVERABLE_STEP_SUMMARY: 'false' }, true), null);
  assert.equal(stepSummaryFile({ GITHUB_STEP_SUMMARY: '/tmp/summary.md' }, true), null, 'not in GitHub Actions');
  assert.equal(stepSummaryFile({ GITHUB_ACTIONS: 'true' }, true), null, 'no summary file');
});
