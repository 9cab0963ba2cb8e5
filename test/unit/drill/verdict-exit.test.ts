import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictExitCode } from '../../../src/cli/exit-code.ts';
import type { RunResult } from '../../../src/run/result.ts';

const result = (verdict: RunResult['verdict']) => ({ verdict }) as RunResult;

test('a passed drill exits 0 even if the flag were set; a failed or errored one 1; one stopped by the machine or a grant 3', () => {
  assert.equal(verdictExitCode({ result: result('passed'), stoppedByEnvironment: false }), 0);
  assert.equal(verdictExitCode({ result: result('passed'), stoppedByEnvironment: true }), 0);
  assert.equal(verdictExitCode({ result: result('failed'), stoppedByEnvironment: false }), 1);
  assert.equal(verdictExitCode({ result: result('errored'), stoppedByEnvironment: false }), 1);
  assert.equal(verdictExitCode({ result: result('errored'), stoppedByEnvironment: true }), 3);
  assert.equal(verdictExitCode({ result: result('failed'), stoppedByEnvironment: true }), 3);
});
