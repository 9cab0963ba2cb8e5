import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endLine } from '../../../src/report/end-line.ts';
import { failingResult, passingResult } from './sample-result.ts';

test('the end line states the verdict, the measured RTO and RPO against their objectives, then the summary', () => {
  assert.equal(
    endLine(passingResult()),
    'PASSED quickstart: RTO 12.1 s (objective 5 min), RPO 0 ms (objective 1 min); all 2 checks and 2 objectives passed',
  );
  assert.match(
    endLine(failingResult()),
    /^FAILED quickstart: RTO 12\.1 s \(objective 5 s, failed\), RPO 1 s \(objective 1 min\); /,
  );
});

test('without objectives the RTO is still the slowest restore, and the RPO says it was not measured', () => {
  assert.equal(
    endLine(passingResult({ objectives: [] })),
    'PASSED quickstart: RTO 12.1 s (no objective), RPO not measured (no objective); all 2 checks and 2 objectives passed',
  );
  assert.match(endLine(passingResult({ objectives: [], restores: [] })), /RTO not measured \(no objective\)/);
});
